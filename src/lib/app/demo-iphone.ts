import { tlsDeviceSecurity } from '../sim/lockdownd';
import { REAL_MEDIA_FILES, type RealMedia } from '../sim/camera-roll';
import { SimUsb } from '../sim/usb';
import { VirtualIPhone } from '../sim/virtual-iphone';

/**
 * The demo: a virtual iPhone running in this worker, handed to the app through the same `USB` seam a
 * real phone comes through, with our own TLS server. Its camera roll holds the real sample photos the
 * page ships (fetched from the page's own origin) among generated ones.
 */
export async function createDemoUsb(fetchFile: (name: string) => Promise<Response>): Promise<{ usb: USB; phone: VirtualIPhone }> {
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		cameraRoll: { profile: 'demo', realMedia: await loadDemoMedia(fetchFile) },
		lockdown: { trust: { pendingPolls: 2 }, values: { DeviceName: 'Demo iPhone' } },
	});
	const usb = new SimUsb();
	usb.plug(phone.hardware, { granted: true });
	return { usb, phone };
}

/** The sample photos; a file that is missing or not what it should be is replaced by generated content. */
async function loadDemoMedia(fetchFile: (name: string) => Promise<Response>): Promise<RealMedia> {
	const media = new Map<string, Uint8Array>();
	await Promise.all(
		REAL_MEDIA_FILES.map(async (file) => {
			try {
				const response = await fetchFile(file.phoneName);
				if (!response.ok) return;
				const bytes = new Uint8Array(await response.arrayBuffer());
				const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
				const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
				if (bytes.length === file.size && hex === file.sha256) media.set(file.phoneName, bytes);
			} catch {
				// Offline before the files were cached: the demo still works with generated content.
			}
		}),
	);
	return media;
}
