/** The values a property list can hold, as lockdownd's messages use them. */
export type PlistValue = string | number | boolean | Date | Uint8Array | PlistValue[] | PlistDict;

export interface PlistDict {
	[key: string]: PlistValue;
}

export function isPlistDict(value: unknown): value is PlistDict {
	return (
		typeof value === 'object' &&
		value !== null &&
		!Array.isArray(value) &&
		!(value instanceof Uint8Array) &&
		!(value instanceof Date)
	);
}
