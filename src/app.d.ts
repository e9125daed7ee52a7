/// <reference types="w3c-web-usb" />
/// <reference types="wicg-file-system-access" />

declare global {
	namespace App {}

	// Chromium implements move() on file handles; neither lib.dom nor the WICG types declare it yet.
	interface FileSystemHandle {
		move(destination: FileSystemDirectoryHandle, newName?: string): Promise<void>;
		move(newName: string): Promise<void>;
	}
}

export {};
