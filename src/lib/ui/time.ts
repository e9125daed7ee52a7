/** "about 3 minutes", "less than a minute", "about 2 hours". */
export function formatDuration(seconds: number | undefined): string {
	if (seconds === undefined || !Number.isFinite(seconds)) return 'a moment';
	if (seconds < 60) return 'less than a minute';
	const minutes = Math.round(seconds / 60);
	if (minutes < 90) return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
	const hours = Math.round(minutes / 60);
	return `about ${hours} hours`;
}

export function formatSpeed(bytesPerSecond: number | undefined): string {
	if (bytesPerSecond === undefined) return '—';
	return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}
