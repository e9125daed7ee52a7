/**
 * One asset of the virtual iPhone's library as its Photos database records it. The camera roll plans
 * these beside its files (`camera-roll/library-plan.ts`), so the database and the listing come from
 * one list and agree.
 */
export interface LibraryAsset {
	/** `ZASSET.ZUUID`; for an original downloaded from iCloud, also its file's name in CPLAssets. */
	uuid: string;
	kind: 'photo' | 'video';
	live: boolean;
	screenshot: boolean;
	/**
	 * Where its original lives, relative to the media partition, as `ZDIRECTORY` and `ZFILENAME` say:
	 * `DCIM/100APPLE` + `IMG_0001.HEIC`, or `PhotoData/CPLAssets/group123` + `<UUID>.HEIC`. For an
	 * original only in iCloud, where it was before "Optimize iPhone Storage" took it away.
	 */
	directory: string;
	filename: string;
	/** `ZADDITIONALASSETATTRIBUTES.ZORIGINALFILENAME`: the name the person knows. */
	originalFilename: string;
	/** The capture time the file's EXIF or QuickTime metadata gives, ms since the epoch, and its UTC offset in minutes. */
	captureMs: number;
	offsetMinutes: number;
	/** When it entered the library (`ZADDEDDATE`): the newest additions are the rows only the WAL holds. */
	addedMs: number;
	/** Whether the original is on the phone; false for placeholders and for originals absent from the listing. */
	originalOnPhone: boolean;
	edited: boolean;
	/** In Recently Deleted: its files are still listed. */
	trashed: boolean;
	hidden: boolean;
	favorite: boolean;
	/** Titles of the albums the person made that hold it. */
	albums: readonly string[];
	/** The paths of its files on the phone, original first (none for an original only in iCloud and absent). */
	files: readonly string[];
}
