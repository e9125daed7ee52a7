import { describe, expect, it } from 'vitest';
import { modelName } from './models';

describe('model names', () => {
	it('names known models and answers unknown ProductTypes with themselves, inherited keys included', () => {
		expect(modelName('iPhone16,1')).toBe('iPhone 15 Pro');
		expect(modelName('iPhone99,9')).toBe('iPhone99,9');
		for (const lie of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(modelName(lie)).toBe(lie);
	});
});
