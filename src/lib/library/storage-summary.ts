import type { Availability } from './describe-assets';
import type { Asset, AssetKind } from './group-assets';

export interface Tally {
	assets: number;
	files: number;
	bytes: number;
}

export interface StorageSummary {
	total: Tally;
	byKind: Record<AssetKind, Tally>;
	/** Assets only in iCloud (listed, unreadable): counted in `total` and `byKind` too. */
	inICloud: Tally;
}

const KINDS: readonly AssetKind[] = ['photo', 'live-photo', 'video', 'screenshot', 'other'];

function emptyTally(): Tally {
	return { assets: 0, files: 0, bytes: 0 };
}

function add(tally: Tally, asset: Asset): void {
	tally.assets++;
	tally.files += asset.files.length;
	tally.bytes += asset.bytes;
}

/** Camera-roll bytes by kind, for "what is on this iPhone" and for checking the destination has room. */
export function summarizeStorage(assets: readonly (Asset & { availability?: Availability })[]): StorageSummary {
	const byKind = Object.fromEntries(KINDS.map((kind) => [kind, emptyTally()])) as Record<AssetKind, Tally>;
	const summary: StorageSummary = { total: emptyTally(), byKind, inICloud: emptyTally() };
	for (const asset of assets) {
		add(summary.total, asset);
		add(byKind[asset.kind], asset);
		if (asset.availability === 'in-icloud') add(summary.inICloud, asset);
	}
	return summary;
}
