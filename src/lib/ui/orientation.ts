/**
 * The CSS transform that shows a picture upright given its EXIF Orientation (1–8). Transforms apply
 * right to left: 5 (transposed) is flipped upside down, then turned a quarter clockwise.
 */
const TRANSFORMS: Record<number, string> = {
	2: 'scaleX(-1)',
	3: 'rotate(180deg)',
	4: 'scaleY(-1)',
	5: 'rotate(90deg) scaleY(-1)',
	6: 'rotate(90deg)',
	7: 'rotate(90deg) scaleX(-1)',
	8: 'rotate(-90deg)',
};

export function orientationTransform(orientation: number): string | undefined {
	return TRANSFORMS[orientation];
}
