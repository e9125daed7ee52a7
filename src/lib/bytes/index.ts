/**
 * The byte vocabulary every layer speaks: joining and comparing, hex, big-endian fields, a writer, a
 * bounds-checked reader, and DER. One copy of each.
 */
export { asBufferSource, concatBytes, equalBytes } from './join';
export { fromHex, toHex } from './hex';
export { readU16, readU32, writeU16, writeU32 } from './big-endian';
export { ByteWriter, build } from './writer';
export { ByteReader } from './reader';
export {
	DER_BIT_STRING,
	DER_CONTEXT_0,
	DER_INTEGER,
	DER_NULL,
	DER_OBJECT_IDENTIFIER,
	DER_SEQUENCE,
	encodeDerElement,
	readDerChildren,
	readDerElement,
	readDerWhole,
	type DerElement,
} from './der';
