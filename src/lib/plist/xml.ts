import { DeviceError } from '../errors';
import type { PlistDict, PlistValue } from './value';

/*
 * XML property lists, both ways, without a DOM. The `plist` package parses XML through DOMParser in
 * browsers, which Web Workers do not have (the virtual iPhone runs in one), and through xmldom in Node,
 * so tests would exercise a different parser from the one that ships. Lockdown's plists are a small,
 * regular subset of XML; this reads that subset strictly and writes it the way Apple's devices do.
 */

const HEADER =
	'<?xml version="1.0" encoding="UTF-8"?>\n' +
	'<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
	'<plist version="1.0">\n';
const FOOTER = '</plist>\n';
/** Base64 characters per line inside <data>, as CoreFoundation wraps them. */
const DATA_LINE = 68;
const MAX_DEPTH = 64;

/**
 * The XML text of a plist, formatted like the iPhone's own (tab indentation, keys sorted), so that the
 * virtual iPhone's replies are byte for byte what a real one sends.
 */
export function encodeXmlPlist(value: PlistValue): string {
	const out: string[] = [HEADER];
	writeValue(out, value, 0);
	out.push(FOOTER);
	return out.join('');
}

function writeValue(out: string[], value: PlistValue, depth: number): void {
	const indent = '\t'.repeat(depth);
	if (typeof value === 'string') {
		out.push(`${indent}<string>${escapeText(value)}</string>\n`);
	} else if (typeof value === 'number') {
		if (Number.isInteger(value)) out.push(`${indent}<integer>${value}</integer>\n`);
		else out.push(`${indent}<real>${formatReal(value)}</real>\n`);
	} else if (typeof value === 'boolean') {
		out.push(`${indent}<${value ? 'true' : 'false'}/>\n`);
	} else if (value instanceof Date) {
		out.push(`${indent}<date>${value.toISOString().replace(/\.\d{3}Z$/, 'Z')}</date>\n`);
	} else if (value instanceof Uint8Array) {
		const base64 = bytesToBase64(value);
		out.push(`${indent}<data>\n`);
		for (let at = 0; at < base64.length; at += DATA_LINE) {
			out.push(`${indent}${base64.slice(at, at + DATA_LINE)}\n`);
		}
		out.push(`${indent}</data>\n`);
	} else if (Array.isArray(value)) {
		if (value.length === 0) {
			out.push(`${indent}<array/>\n`);
			return;
		}
		out.push(`${indent}<array>\n`);
		for (const item of value) writeValue(out, item, depth + 1);
		out.push(`${indent}</array>\n`);
	} else {
		const keys = Object.keys(value).sort();
		if (keys.length === 0) {
			out.push(`${indent}<dict/>\n`);
			return;
		}
		out.push(`${indent}<dict>\n`);
		for (const key of keys) {
			out.push(`${indent}\t<key>${escapeText(key)}</key>\n`);
			writeValue(out, value[key]!, depth + 1);
		}
		out.push(`${indent}</dict>\n`);
	}
}

function formatReal(value: number): string {
	if (Number.isNaN(value)) return 'nan';
	if (value === Infinity) return '+infinity';
	if (value === -Infinity) return '-infinity';
	return String(value);
}

function escapeText(text: string): string {
	return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function bytesToBase64(bytes: Uint8Array): string {
	let binary = '';
	for (let at = 0; at < bytes.length; at += 0x8000) {
		binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
	}
	return btoa(binary);
}

/** Reads the XML text of a plist. Anything outside the plist grammar is a DeviceError ('protocol'). */
export function decodeXmlPlist(text: string): PlistValue {
	return new XmlPlistReader(text).document();
}

interface Tag {
	name: string;
	closing: boolean;
	selfClosing: boolean;
}

class XmlPlistReader {
	readonly #text: string;
	#at = 0;

	constructor(text: string) {
		this.#text = text;
	}

	document(): PlistValue {
		this.#skipMisc();
		const open = this.#tag();
		if (open.name !== 'plist' || open.closing || open.selfClosing) this.#fail('no <plist> element');
		const value = this.#value(this.#nextTag(), 0);
		const close = this.#nextTag();
		if (close.name !== 'plist' || !close.closing) this.#fail('more than one value in <plist>');
		this.#skipMisc();
		if (this.#at !== this.#text.length) this.#fail('text after </plist>');
		return value;
	}

	#value(tag: Tag, depth: number): PlistValue {
		if (tag.closing) this.#fail(`unexpected </${tag.name}>`);
		if (depth > MAX_DEPTH) this.#fail('nested too deeply');
		switch (tag.name) {
			case 'dict':
				return tag.selfClosing ? {} : this.#dict(depth);
			case 'array':
				return tag.selfClosing ? [] : this.#array(depth);
			case 'string':
				return tag.selfClosing ? '' : this.#textUntilClose('string');
			case 'integer':
				return this.#integer(this.#textUntilClose('integer', tag).trim());
			case 'real':
				return this.#real(this.#textUntilClose('real', tag).trim());
			case 'true':
			case 'false':
				if (!tag.selfClosing && this.#textUntilClose(tag.name).trim() !== '') {
					this.#fail(`text inside <${tag.name}>`);
				}
				return tag.name === 'true';
			case 'data':
				return tag.selfClosing ? new Uint8Array(0) : this.#data(this.#textUntilClose('data'));
			case 'date':
				return this.#date(this.#textUntilClose('date', tag).trim());
			default:
				return this.#fail(`unknown element <${tag.name}>`);
		}
	}

	#dict(depth: number): PlistDict {
		const dict: PlistDict = {};
		for (;;) {
			const keyTag = this.#nextTag();
			if (keyTag.closing && keyTag.name === 'dict') return dict;
			if (keyTag.name !== 'key' || keyTag.closing) this.#fail('a <dict> entry without a <key>');
			const key = keyTag.selfClosing ? '' : this.#textUntilClose('key');
			const value = this.#value(this.#nextTag(), depth + 1);
			// defineProperty, not assignment: a key named __proto__ must stay a plain key.
			Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
		}
	}

	#array(depth: number): PlistValue[] {
		const array: PlistValue[] = [];
		for (;;) {
			const tag = this.#nextTag();
			if (tag.closing && tag.name === 'array') return array;
			array.push(this.#value(tag, depth + 1));
		}
	}

	#integer(text: string): number {
		if (/^[+-]?\d{1,20}$/.test(text)) return Number(text);
		if (/^[+-]?0x[0-9a-f]{1,16}$/i.test(text)) {
			const negative = text.startsWith('-');
			const magnitude = Number.parseInt(text.replace(/^[+-]?0x/i, ''), 16);
			return negative ? -magnitude : magnitude;
		}
		return this.#fail(`bad <integer> ${JSON.stringify(text.slice(0, 40))}`);
	}

	#real(text: string): number {
		const lower = text.toLowerCase();
		if (lower === 'nan') return Number.NaN;
		if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') {
			return Infinity;
		}
		if (lower === '-inf' || lower === '-infinity') return -Infinity;
		if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
		return this.#fail(`bad <real> ${JSON.stringify(text.slice(0, 40))}`);
	}

	#data(text: string): Uint8Array {
		const base64 = text.replace(/[\s]+/g, '');
		if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 === 1) this.#fail('bad <data>');
		let binary: string;
		try {
			binary = atob(base64);
		} catch {
			return this.#fail('bad <data>');
		}
		const bytes = new Uint8Array(binary.length);
		for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
		return bytes;
	}

	#date(text: string): Date {
		const date = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) ? new Date(text) : undefined;
		if (date === undefined || Number.isNaN(date.getTime())) this.#fail('bad <date>');
		return date;
	}

	/** The character data up to `</name>`, with entities and CDATA sections resolved. */
	#textUntilClose(name: string, tag?: Tag): string {
		if (tag?.selfClosing) this.#fail(`empty <${name}/>`);
		const text = this.#text;
		let out = '';
		for (;;) {
			const lt = text.indexOf('<', this.#at);
			if (lt < 0) this.#fail(`unterminated <${name}>`);
			out += decodeEntities(text.slice(this.#at, lt), (why) => this.#fail(why));
			this.#at = lt;
			if (text.startsWith('<![CDATA[', lt)) {
				const end = text.indexOf(']]>', lt + 9);
				if (end < 0) this.#fail('unterminated CDATA');
				out += text.slice(lt + 9, end);
				this.#at = end + 3;
			} else if (text.startsWith('<!--', lt)) {
				this.#skipComment();
			} else {
				const close = this.#tag();
				if (!close.closing || close.name !== name) this.#fail(`<${close.name}> inside <${name}>`);
				return out;
			}
		}
	}

	/** The next tag, with only whitespace and comments before it. */
	#nextTag(): Tag {
		this.#skipSpaceAndComments();
		return this.#tag();
	}

	#tag(): Tag {
		const text = this.#text;
		if (text[this.#at] !== '<') this.#fail('text where an element was expected');
		let at = this.#at + 1;
		const closing = text[at] === '/';
		if (closing) at++;
		const nameMatch = /^[A-Za-z_][A-Za-z0-9_.:-]*/.exec(text.slice(at, at + 64));
		if (nameMatch === null) this.#fail('bad element name');
		const name = nameMatch[0];
		at += name.length;
		// Attributes (only <plist version="1.0"> has any) are skipped, quotes respected.
		for (;;) {
			const c = text[at];
			if (c === undefined) this.#fail(`unterminated <${name}`);
			if (c === '"' || c === "'") {
				const end = text.indexOf(c, at + 1);
				if (end < 0) this.#fail('unterminated attribute');
				at = end + 1;
			} else if (c === '>') {
				this.#at = at + 1;
				return { name, closing, selfClosing: false };
			} else if (c === '/' && text[at + 1] === '>' && !closing) {
				this.#at = at + 2;
				return { name, closing, selfClosing: true };
			} else if (c === '<') {
				this.#fail(`unterminated <${name}`);
			} else {
				at++;
			}
		}
	}

	/** Whitespace, comments, the XML declaration and the DOCTYPE before <plist> or after </plist>. */
	#skipMisc(): void {
		const text = this.#text;
		if (text.charCodeAt(0) === 0xfeff && this.#at === 0) this.#at = 1;
		for (;;) {
			this.#skipSpaceAndComments();
			if (text.startsWith('<?', this.#at)) {
				const end = text.indexOf('?>', this.#at + 2);
				if (end < 0) this.#fail('unterminated <?');
				this.#at = end + 2;
			} else if (text.startsWith('<!DOCTYPE', this.#at)) {
				const end = text.indexOf('>', this.#at);
				if (end < 0) this.#fail('unterminated <!DOCTYPE');
				this.#at = end + 1;
			} else {
				return;
			}
		}
	}

	#skipSpaceAndComments(): void {
		const text = this.#text;
		for (;;) {
			while (this.#at < text.length && isSpace(text.charCodeAt(this.#at))) this.#at++;
			if (!text.startsWith('<!--', this.#at)) return;
			this.#skipComment();
		}
	}

	#skipComment(): void {
		const end = this.#text.indexOf('-->', this.#at + 4);
		if (end < 0) this.#fail('unterminated comment');
		this.#at = end + 3;
	}

	#fail(why: string): never {
		throw new DeviceError('protocol', 'A message from the iPhone could not be read.', {
			cause: new Error(`XML plist: ${why} (at character ${this.#at})`),
		});
	}
}

/** Whitespace between elements. iOS puts stray control characters in its XML (libimobiledevice works around it), so those count too. */
function isSpace(code: number): boolean {
	return code <= 0x20;
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string, fail: (why: string) => never): string {
	if (!text.includes('&')) return text;
	return text.replace(/&([^;&<]{0,10});?/g, (whole, body: string) => {
		if (!whole.endsWith(';')) fail('a bare & in text');
		const named = NAMED_ENTITIES[body];
		if (named !== undefined) return named;
		const code = /^#x[0-9a-f]{1,6}$/i.test(body)
			? Number.parseInt(body.slice(2), 16)
			: /^#\d{1,7}$/.test(body)
				? Number.parseInt(body.slice(1), 10)
				: undefined;
		if (code === undefined || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
			fail(`unknown entity &${body};`);
		}
		return String.fromCodePoint(code);
	});
}
