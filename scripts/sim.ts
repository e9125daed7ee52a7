/**
 * The virtual iPhone behind a usbmuxd-compatible socket, for third-party tools:
 *
 *   npm run sim -- --listen 127.0.0.1:27015 [--profile small|typical|huge] [--tls ours|openssl]
 *   USBMUXD_SOCKET_ADDRESS=127.0.0.1:27015 idevicepair pair
 *
 * The phone asks "Trust This Computer?" once per pairing and says yes after two polls.
 */
import { parseArgs } from 'node:util';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { nodeTlsServer } from '../src/testing/sim/lockdownd/node-tls';
import { startUsbmuxdServer } from '../src/sim/usbmuxd-server/server-node';
import { virtualIPhoneDevice } from '../src/sim/usbmuxd-server/virtual-iphone-device';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

const { values } = parseArgs({
	options: {
		listen: { type: 'string', default: '127.0.0.1:27015' },
		profile: { type: 'string', default: 'small' },
		tls: { type: 'string', default: 'ours' },
	},
});
const [host, port] = splitAddress(values.listen!);
const profile = values.profile as 'small' | 'typical' | 'huge';
if (!['small', 'typical', 'huge'].includes(profile)) fail(`unknown profile ${profile}`);
if (!['ours', 'openssl'].includes(values.tls!)) fail(`--tls is "ours" or "openssl"`);

const phone = await VirtualIPhone.create({
	cameraRoll: { profile, realMedia: await loadRealMedia() },
	security: values.tls === 'openssl' ? nodeTlsServer() : tlsDeviceSecurity,
	lockdown: { trust: { pendingPolls: 2 } },
});
const server = await startUsbmuxdServer({ host, port });
server.attach(await virtualIPhoneDevice(phone));
console.log(`Virtual iPhone ${phone.udid} (${profile} camera roll, ${values.tls} TLS) on ${server.host}:${server.port}`);
console.log(`Try: USBMUXD_SOCKET_ADDRESS=${server.host}:${server.port} ideviceinfo`);

function splitAddress(address: string): [string, number] {
	const at = address.lastIndexOf(':');
	const portNumber = Number(address.slice(at + 1));
	if (at < 0 || !Number.isInteger(portNumber)) fail(`--listen wants host:port, not ${address}`);
	return [address.slice(0, at), portNumber];
}

function fail(message: string): never {
	console.error(message);
	process.exit(2);
}
