import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findMuxInterface, isNetworkOnlyMode } from './mux-interface';

const bulk = (endpointNumber: number, direction: USBDirection): USBEndpoint => ({
	endpointNumber,
	direction,
	type: 'bulk',
	packetSize: 512,
});

function alternate(
	triple: [number, number, number],
	endpoints: USBEndpoint[],
	alternateSetting = 0,
): USBAlternateInterface {
	const [interfaceClass, interfaceSubclass, interfaceProtocol] = triple;
	return { alternateSetting, interfaceClass, interfaceSubclass, interfaceProtocol, interfaceName: null, endpoints };
}

function configuration(configurationValue: number, alternates: USBAlternateInterface[][]): USBConfiguration {
	return {
		configurationValue,
		configurationName: null,
		interfaces: alternates.map((alts, interfaceNumber) => ({
			interfaceNumber,
			alternate: alts[0]!,
			alternates: alts,
			claimed: false,
		})),
	};
}

const MUX: [number, number, number] = [0xff, 0xfe, 0x02];
const PTP = alternate([6, 1, 1], [bulk(1, 'in'), bulk(2, 'out')]);
const mux = () => alternate(MUX, [bulk(4, 'out'), bulk(5, 'in')]);

describe('findMuxInterface', () => {
	const iphone = [configuration(1, [[PTP]]), configuration(3, [[PTP], [mux()]]), configuration(4, [[PTP], [mux()]])];

	it('takes the highest configuration with the mux when the active one has none', () => {
		expect(findMuxInterface(iphone, 1)).toMatchObject({ configurationValue: 4, interfaceNumber: 1 });
		expect(findMuxInterface(iphone, null)).toMatchObject({ configurationValue: 4 });
	});

	it('takes the active configuration when it has the mux', () => {
		const found = findMuxInterface(iphone, 3);
		expect(found).toMatchObject({ configurationValue: 3, interfaceNumber: 1 });
		expect(found?.inEndpoint.endpointNumber).toBe(5);
		expect(found?.outEndpoint.endpointNumber).toBe(4);
	});

	it('wants all three of class, subclass and protocol, and exactly one bulk IN and one bulk OUT on alternate 0', () => {
		const near = [
			configuration(2, [[alternate([0xff, 0xfe, 0x01], [bulk(4, 'out'), bulk(5, 'in')])]]),
			configuration(3, [[alternate([0xff, 0xfd, 0x02], [bulk(4, 'out'), bulk(5, 'in')])]]),
			configuration(4, [[alternate(MUX, [bulk(4, 'out'), bulk(5, 'in'), bulk(6, 'in')])]]),
			configuration(5, [[alternate(MUX, [bulk(4, 'in'), bulk(5, 'in')])]]),
			configuration(6, [[alternate(MUX, [bulk(4, 'out'), { ...bulk(5, 'in'), type: 'interrupt' }])]]),
			configuration(7, [[alternate([6, 1, 1], []), alternate(MUX, [bulk(4, 'out'), bulk(5, 'in')], 1)]]),
		];
		expect(findMuxInterface(near, null)).toBeUndefined();
	});

	it('always picks the active configuration if it qualifies, else the highest that does', () => {
		const config = fc.record({
			value: fc.integer({ min: 1, max: 255 }),
			hasMux: fc.boolean(),
		});
		fc.assert(
			fc.property(
				fc.uniqueArray(config, { selector: (c) => c.value, maxLength: 8 }),
				fc.option(fc.integer({ min: 1, max: 255 }), { nil: null }),
				(configs, active) => {
					const configurations = configs.map((c) => configuration(c.value, c.hasMux ? [[PTP], [mux()]] : [[PTP]]));
					const found = findMuxInterface(configurations, active);
					const qualifying = configs.filter((c) => c.hasMux).map((c) => c.value);
					if (qualifying.length === 0) return found === undefined;
					const expected = active !== null && qualifying.includes(active) ? active : Math.max(...qualifying);
					return found?.configurationValue === expected;
				},
			),
		);
	});
});

describe('isNetworkOnlyMode', () => {
	const ncm = alternate([0x02, 0x0d, 0x00], []);
	const ncmData = alternate([0x0a, 0x00, 0x01], [bulk(1, 'in'), bulk(2, 'out')], 1);

	it('is a single configuration with CDC-NCM and no mux, as usbmuxd guesses mode 5', () => {
		expect(isNetworkOnlyMode([configuration(1, [[ncm], [ncmData]])])).toBe(true);
	});

	it('is not the usual modes, nor a PTP-only device', () => {
		expect(isNetworkOnlyMode([configuration(1, [[PTP]]), configuration(4, [[PTP], [mux()]])])).toBe(false);
		expect(isNetworkOnlyMode([configuration(1, [[ncm], [mux()]])])).toBe(false);
		expect(isNetworkOnlyMode([configuration(1, [[PTP]])])).toBe(false);
	});
});
