import { concatBytes } from '../../lib/bytes';

/** Every byte of `stream`, joined: for tests that compare what a stream gave with what was expected. */
export async function readAllBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
	const chunks: Uint8Array[] = [];
	for await (const chunk of stream) chunks.push(chunk);
	return concatBytes(chunks);
}
