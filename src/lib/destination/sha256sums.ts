/**
 * `SHA256SUMS` in the format GNU `sha256sum` writes and `sha256sum -c` checks: the hash, two spaces,
 * the path relative to the file's folder, "\n". A path with a backslash, newline or carriage return
 * is escaped (`\\`, `\n`, `\r`) and its line starts with a backslash, as coreutils does.
 */
export interface ChecksumLine {
	sha256: string;
	path: string;
}

export function checksumLine({ sha256, path }: ChecksumLine): string {
	if (!/[\\\n\r]/.test(path)) return `${sha256}  ${path}\n`;
	const escaped = path.replace(/[\\\n\r]/g, (char) => (char === '\\' ? '\\\\' : char === '\n' ? '\\n' : '\\r'));
	return `\\${sha256}  ${escaped}\n`;
}

/** The whole file, sorted by path (byte order of the UTF-16 code units, stable across runs). */
export function formatSha256Sums(lines: Iterable<ChecksumLine>): string {
	const sorted = [...lines].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	return sorted.map(checksumLine).join('');
}
