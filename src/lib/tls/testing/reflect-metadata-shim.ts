/**
 * @peculiar/x509 loads tsyringe, which refuses to start without the `reflect-metadata` polyfill (not
 * installed here). It only stores and reads back decorator metadata, so a small map does. Import this
 * before @peculiar/x509.
 */
type MetadataReflect = {
	getMetadata?: (key: unknown, target: object) => unknown;
	getOwnMetadata?: (key: unknown, target: object) => unknown;
	defineMetadata?: (key: unknown, value: unknown, target: object) => void;
	metadata?: (key: unknown, value: unknown) => (target: object) => void;
};

const reflect = Reflect as unknown as MetadataReflect;
const store = new WeakMap<object, Map<unknown, unknown>>();
const read = (key: unknown, target: object) => store.get(target)?.get(key);
const define = (key: unknown, value: unknown, target: object) => {
	let entries = store.get(target);
	if (entries === undefined) store.set(target, (entries = new Map()));
	entries.set(key, value);
};
reflect.getMetadata ??= read;
reflect.getOwnMetadata ??= read;
reflect.defineMetadata ??= define;
reflect.metadata ??= (key, value) => (target) => define(key, value, target);

export {};
