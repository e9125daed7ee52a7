/**
 * Where an iPhone's usbmux lives among a USB device's descriptors: a vendor-specific interface
 * (class 0xFF, subclass 0xFE, protocol 2) whose alternate setting 0 has exactly one bulk IN and one
 * bulk OUT endpoint (protocol.md §1.2–1.3).
 */

export const MUX_INTERFACE_CLASS = 0xff;
export const MUX_INTERFACE_SUBCLASS = 0xfe;
export const MUX_INTERFACE_PROTOCOL = 0x02;

export interface MuxInterfaceLocation {
	readonly configurationValue: number;
	readonly interfaceNumber: number;
	readonly inEndpoint: USBEndpoint;
	readonly outEndpoint: USBEndpoint;
}

/** The mux interface of one configuration, if it has one. */
export function muxInterfaceOf(configuration: USBConfiguration): MuxInterfaceLocation | undefined {
	for (const iface of configuration.interfaces) {
		const alternate = iface.alternates.find((a) => a.alternateSetting === 0);
		if (
			alternate === undefined ||
			alternate.interfaceClass !== MUX_INTERFACE_CLASS ||
			alternate.interfaceSubclass !== MUX_INTERFACE_SUBCLASS ||
			alternate.interfaceProtocol !== MUX_INTERFACE_PROTOCOL ||
			alternate.endpoints.length !== 2
		) {
			continue;
		}
		const inEndpoint = alternate.endpoints.find((e) => e.direction === 'in' && e.type === 'bulk');
		const outEndpoint = alternate.endpoints.find((e) => e.direction === 'out' && e.type === 'bulk');
		if (inEndpoint && outEndpoint) {
			return { configurationValue: configuration.configurationValue, interfaceNumber: iface.interfaceNumber, inEndpoint, outEndpoint };
		}
	}
	return undefined;
}

/**
 * The configuration to use: the active one if it has the mux (no SET_CONFIGURATION needed, and the only
 * choice on Windows), otherwise the one with the highest bConfigurationValue, as usbmuxd picks.
 */
export function findMuxInterface(
	configurations: readonly USBConfiguration[],
	activeConfigurationValue: number | null,
): MuxInterfaceLocation | undefined {
	const active = configurations.find((c) => c.configurationValue === activeConfigurationValue);
	const inActive = active && muxInterfaceOf(active);
	if (inActive) return inActive;
	let best: MuxInterfaceLocation | undefined;
	for (const configuration of configurations) {
		const found = muxInterfaceOf(configuration);
		if (found && (best === undefined || found.configurationValue > best.configurationValue)) best = found;
	}
	return best;
}

/** CDC-NCM's communication interface (class 0x02, subclass 0x0D): USB networking. */
const CDC_CLASS = 0x02;
const CDC_NCM_SUBCLASS = 0x0d;

/**
 * Whether the device shows the descriptors of an iPhone in its network-only USB mode (iOS 17+ "mode 5",
 * set by a host's vendor SET_MODE): a single configuration with CDC-NCM and no mux. usbmuxd's
 * `guess_mode` tells the modes apart by descriptors the same way.
 */
export function isNetworkOnlyMode(configurations: readonly USBConfiguration[]): boolean {
	if (configurations.length !== 1 || muxInterfaceOf(configurations[0]!) !== undefined) return false;
	return configurations[0]!.interfaces.some((iface) =>
		iface.alternates.some((a) => a.interfaceClass === CDC_CLASS && a.interfaceSubclass === CDC_NCM_SUBCLASS),
	);
}
