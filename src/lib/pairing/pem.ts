/**
 * PEM, the text wrapping of DER that lockdownd uses for keys and certificates: a BEGIN line, base64
 * and an END line. Written the way OpenSSL writes it (64-character lines, a newline at the end), as
 * the pair records of libimobiledevice and Apple's own tools are.
 */

const LINE_LENGTH = 64;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface PemBlock {
	readonly label: string;
	readonly der: Uint8Array<ArrayBuffer>;
}

/**
 * The first PEM block in `input` whose label is one of `labels`, or `undefined` when there is none or
 * its base64 is broken. Text before and after the block is ignored, as OpenSSL does.
 */
export function decodePem(input: string | Uint8Array, labels: readonly string[]): PemBlock | undefined {
	const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
	for (const label of labels) {
		const begin = `-----BEGIN ${label}-----`;
		const end = `-----END ${label}-----`;
		const start = text.indexOf(begin);
		if (start < 0) continue;
		const bodyStart = start + begin.length;
		const stop = text.indexOf(end, bodyStart);
		if (stop < 0) return undefined;
		const der = decodeBase64(text.slice(bodyStart, stop));
		return der && der.length > 0 ? { label, der } : undefined;
	}
	return undefined;
}

/** `der` as a PEM block with the given label. */
export function encodePem(label: string, der: Uint8Array): string {
	const base64 = encodeBase64(der);
	let body = '';
	for (let i = 0; i < base64.length; i += LINE_LENGTH) body += base64.slice(i, i + LINE_LENGTH) + '\n';
	return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
	const compact = text.replace(/[ \t\r\n]/g, '');
	if (compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
	const binary = atob(compact);
	const out = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
	return out;
}

function encodeBase64(bytes: Uint8Array): string {
	// String.fromCharCode takes its arguments on the stack: go in slices that stay well inside it.
	let binary = '';
	for (let i = 0; i < bytes.length; i += 0x8000) {
		binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	}
	return btoa(binary);
}
