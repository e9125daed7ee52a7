import { IMAGE_HEAD_BYTES, loadExifReader, readEmbeddedThumbnail, type EmbeddedThumbnail } from '../library';

/** Stills whose EXIF may carry a JPEG thumbnail. */
const STILL = /\.(jpe?g|hei[cf])$/i;

/** The file being copied, as the page shows it: which one, and its embedded thumbnail when it has one. */
export interface CurrentPreview {
	devicePath: string;
	thumbnail: EmbeddedThumbnail | undefined;
}

/**
 * A preview of the file being copied, from bytes the backup reads anyway: the engine hands over the
 * first bytes of each still (`fileHead`), the latest are kept, and the thumbnail in them is read only
 * when the page is sent a progress event, a few times a second however many files go by.
 */
export class CurrentFilePreview {
	#head: { devicePath: string; bytes: Uint8Array } | undefined;
	#shown: CurrentPreview | undefined;

	constructor() {
		// Already loaded by a scan that read dates; loaded now when every date was remembered.
		void loadExifReader().catch(() => undefined);
	}

	/** For `runBackup`'s `fileHead`. */
	readonly fileHead = {
		bytesFor: (devicePath: string): number => (STILL.test(devicePath) ? IMAGE_HEAD_BYTES : 0),
		take: (devicePath: string, bytes: Uint8Array): void => {
			this.#head = { devicePath, bytes };
		},
	};

	/** The preview of `devicePath` (the file being copied); without a thumbnail until its first bytes are in. */
	of(devicePath: string | undefined): CurrentPreview | undefined {
		if (devicePath === undefined) return undefined;
		if (this.#shown?.devicePath === devicePath) return this.#shown;
		const head = this.#head;
		if (head?.devicePath !== devicePath) return { devicePath, thumbnail: undefined };
		this.#head = undefined;
		this.#shown = { devicePath, thumbnail: readEmbeddedThumbnail(head.bytes) };
		return this.#shown;
	}
}
