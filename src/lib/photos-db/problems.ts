import type { PhotosDbFallbackReason } from './types';

/**
 * A problem of the database itself (as opposed to the connection to the phone): the reader turns it
 * into a fallback result with its reason, never into an error that stops the scan.
 */
export class DatabaseProblem extends Error {
	override readonly name = 'DatabaseProblem';

	constructor(
		readonly reason: PhotosDbFallbackReason,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
	}
}

export function isDatabaseProblem(error: unknown): error is DatabaseProblem {
	return error instanceof DatabaseProblem;
}

/** Every byte asked of the phone is counted here, and no more than `limit` are ever asked. */
export class ReadMeter {
	bytes = 0;

	constructor(readonly limit: number) {}

	charge(length: number): void {
		if (this.bytes + length > this.limit) {
			throw new DatabaseProblem('too-large', `Reading the Photos database would take more than ${this.limit} bytes from the phone.`);
		}
		this.bytes += length;
	}
}
