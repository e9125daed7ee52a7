/**
 * One version of the Photos library's schema, as Apple's Photos wrote it (extracted from the fixtures
 * by `scripts/extract-photos-schemas.ts` into `schemas/ios-<n>.ts`; see `schemas/NOTICE.md`).
 */
export interface PhotosSchemaSource {
	/** The iOS release whose data model this is (macOS 12 ≈ iOS 15 … macOS 26 ≈ iOS 26). */
	version: PhotosSchemaVersion;
	/** The fixture it was taken from. */
	fixture: string;
	/** CREATE TABLE, INDEX and TRIGGER statements, in `sqlite_master` order. */
	statements: readonly string[];
	/** `Z_PRIMARYKEY`'s Core Data entities: number, name, super-entity (0 for none). */
	entities: readonly (readonly [number, string, number])[];
	/** `Z_METADATA`'s row: the store's model version and its plist (the model's hashes), in hex. */
	metadata: { version: number; plistHex: string };
	/**
	 * The widest row of each table the virtual iPhone fills (an asset with all a phone records, place
	 * data included), column by column (columns that were NULL are left out): a number as it was,
	 * `T<n>` a text of n bytes, `B<n>` a blob of n bytes.
	 */
	templates: Readonly<Record<TemplateTable, readonly (readonly [string, RowShape])[]>>;
}

export type RowShape = number | `T${number}` | `B${number}`;

export type TemplateTable = 'ZASSET' | 'ZADDITIONALASSETATTRIBUTES' | 'ZEXTENDEDATTRIBUTES' | 'ZINTERNALRESOURCE' | 'ZGENERICALBUM';

export const PHOTOS_SCHEMA_VERSIONS = ['ios-15', 'ios-16', 'ios-17', 'ios-18', 'ios-26'] as const;
export type PhotosSchemaVersion = (typeof PHOTOS_SCHEMA_VERSIONS)[number];
