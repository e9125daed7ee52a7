import { toFolderError } from './folder-errors';

/** `stream` with its failures turned into the `DeviceError` for `path` (a file changed or gone mid-read). */
export function mapReadErrors(
	stream: ReadableStream<Uint8Array>,
	folder: FileSystemDirectoryHandle,
	path: string,
): ReadableStream<Uint8Array> {
	const reader = stream.getReader();
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				try {
					const { done, value } = await reader.read();
					if (done) controller.close();
					else controller.enqueue(value);
				} catch (error) {
					controller.error(await toFolderError(error, folder, path));
				}
			},
			cancel: (reason) => reader.cancel(reason),
		},
		{ highWaterMark: 0 },
	);
}
