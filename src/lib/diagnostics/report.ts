import type { BackupResult } from '../backup/recorder';
import type { PlanSummary } from '../backup/planner';
import { modelName } from '../iphone/models';
import { WIRE_LAYERS, errorCodeOf, type DiagnosticRecorder, type StepEntry, type WireEntry } from './recorder';
import { redactKnown, scrubText, type KnownSecrets } from './scrub';
import { UdidPseudonyms } from './udid-pseudonym';

/**
 * "Save a report": one JSON document a person can attach to a bug. It opens with a few lines in plain
 * words (what failed, on which phone and browser, the steps), then the environment, the phone's model
 * and iOS version, the USB devices' descriptors, each connection step with outcome and timing, the
 * last few hundred headers of each layer, the plan's and the run's counts, and the error. The UDID only
 * as a keyed hash (`UdidPseudonyms`); every text from the app scrubbed of names (`scrub.ts`).
 */

export interface ReportEnvironment {
	/** `navigator.userAgent`. */
	userAgent: string;
	/** `navigator.userAgentData.platform`, or `navigator.platform`. */
	platform?: string;
	/** The page's version, if it has one. */
	appVersion?: string;
}

/** The connected phone as the app knows it. Its name and UDID are used to keep them out of the report. */
export interface ReportPhone {
	udid?: string;
	name?: string;
	productType?: string;
	productVersion?: string;
}

export interface DiagnosticReportInput {
	recorder: DiagnosticRecorder;
	environment: ReportEnvironment;
	phone?: ReportPhone;
	/** The plan shown before the backup: only its counts go in. */
	plan?: PlanSummary;
	/** How the last run ended: only its counts and error codes go in. */
	result?: BackupResult;
	/** The error the page shows: a `DeviceError`, or its plain-data form (`code`, `message`, `advice`). */
	error?: unknown;
	/** The key of the UDID's keyed hash; the recorder's own by default. */
	pseudonyms?: UdidPseudonyms;
	now?: Date;
}

export interface DiagnosticReport {
	fileName: string;
	mimeType: 'application/json';
	text: string;
}

export const REPORT_FORMAT = 'iphone-photo-backup.diagnostic-report/1';
const MAX_CAUSES = 3;

export async function buildDiagnosticReport(input: DiagnosticReportInput): Promise<DiagnosticReport> {
	const { recorder, phone } = input;
	const snapshot = recorder.snapshot();
	const serials = recorder.serialNumbers();
	const secrets: KnownSecrets = { deviceName: phone?.name, identifiers: [...serials, ...(phone?.udid ? [phone.udid] : [])].filter((id) => id !== '') };
	const scrub = (text: string) => scrubText(text, secrets);
	const pseudonyms = input.pseudonyms ?? recorder.pseudonyms;
	const now = input.now ?? new Date();

	const devices = await Promise.all(
		snapshot.devices.map(async (device, i) => ({ ...device, udid: serials[i] ? await pseudonyms.of(serials[i]!) : null })),
	);
	const steps = snapshot.steps.map((step) => (step.detail === undefined ? step : { ...step, detail: scrub(step.detail) }));
	const error = input.error === undefined ? undefined : describeError(input.error, scrub);
	const wire = Object.fromEntries(
		WIRE_LAYERS.map((layer) => [layer, { dropped: snapshot.wire[layer].dropped, entries: snapshot.wire[layer].entries.map((entry) => shownEntry(entry, scrub)) }]),
	);
	const shownPhone = phone && {
		model: phone.productType ? modelName(phone.productType) : undefined,
		productType: phone.productType,
		iosVersion: phone.productVersion,
		udid: phone.udid ? await pseudonyms.of(phone.udid) : undefined,
	};

	const document = {
		report: 'iPhone photo backup: diagnostic report',
		format: REPORT_FORMAT,
		summary: summaryLines(steps, error, shownPhone, input.environment, snapshot.counters),
		privacy:
			'No photo or video bytes, no keys, certificates, pair records or escrow bag, no file or folder names ' +
			'(extensions only), no iPhone name or serial number. The UDID appears only as a keyed hash whose key ' +
			'was made for this session and never saved.',
		createdAt: now.toISOString(),
		recordingStartedAt: snapshot.startedAt,
		recordingMs: snapshot.durationMs,
		environment: input.environment,
		phone: shownPhone,
		error,
		plan: input.plan && planCounts(input.plan),
		result: input.result && resultCounts(input.result, scrub),
		steps,
		usbDevices: devices,
		wire,
		counters: snapshot.counters,
	};
	// Whatever slipped through (a name in the user agent, a serial in a descriptor): the known values go.
	const text = JSON.stringify(document, (_, value: unknown) => (typeof value === 'string' ? redactKnown(value, secrets) : value), '\t');
	const stamp = now.toISOString().replace(/[:.]/g, '-');
	return { fileName: `iphone-backup-report-${stamp}.json`, mimeType: 'application/json', text };
}

interface ShownError {
	code: string;
	message?: string;
	advice?: string;
	causes?: { name: string; message: string }[];
}

function describeError(error: unknown, scrub: (text: string) => string): ShownError {
	const shown: ShownError = { code: errorCodeOf(error) };
	const { message, advice } = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown; advice?: unknown };
	if (typeof message === 'string') shown.message = scrub(message);
	if (typeof advice === 'string') shown.advice = scrub(advice);
	const causes: { name: string; message: string }[] = [];
	let cause = (error as { cause?: unknown } | null)?.cause;
	while (cause !== undefined && cause !== null && causes.length < MAX_CAUSES) {
		const { name, message: text } = cause as { name?: unknown; message?: unknown };
		causes.push({ name: typeof name === 'string' ? name : typeof cause, message: typeof text === 'string' ? scrub(text) : '' });
		cause = (cause as { cause?: unknown }).cause;
	}
	if (causes.length > 0) shown.causes = causes;
	return shown;
}

/** An entry as shown: its time first; texts a device or the browser wrote (CONTROL text, a DOMException's message) scrubbed. */
function shownEntry(entry: WireEntry, scrub: (text: string) => string): WireEntry {
	const { t, ...rest } = entry;
	const shown: WireEntry = { t, ...rest };
	if (typeof shown.text === 'string') shown.text = scrub(shown.text);
	if (typeof shown.message === 'string') shown.message = scrub(shown.message);
	return shown;
}

function planCounts(plan: PlanSummary) {
	return {
		total: plan.total,
		byCategory: plan.byCategory,
		byReason: plan.byReason,
		maybeDuplicates: plan.maybeDuplicates,
		alreadyBackedUp: plan.alreadyBackedUp,
		tooLargeForDrive: plan.tooLargeForDrive,
		inICloudAssets: plan.inICloud.length,
		unavailableAssets: plan.unavailable.length,
		estimateSeconds: Math.round(plan.estimate.seconds),
		space: plan.space,
	};
}

function resultCounts(result: BackupResult, scrub: (text: string) => string) {
	const failedByCode: Record<string, number> = {};
	for (const failure of result.failed) failedByCode[failure.code] = (failedByCode[failure.code] ?? 0) + 1;
	return {
		outcome: result.outcome,
		error: result.error && { code: result.error.code, message: scrub(result.error.message) },
		copied: result.copied,
		deduplicated: result.deduplicated.length,
		inICloud: result.inICloud.length,
		failed: result.failed.length,
		failedByCode,
		redone: result.redone.length,
		maxBytesHeld: result.maxBytesHeld,
	};
}

/** The human-readable head: what failed, the phone, the browser, the steps, the traffic. */
function summaryLines(
	steps: StepEntry[],
	error: ShownError | undefined,
	phone: { model?: string; productType?: string; iosVersion?: string } | undefined,
	environment: ReportEnvironment,
	counters: Record<string, number>,
): string[] {
	const lines: string[] = [];
	const failed = steps.findLast((step) => step.outcome === 'failed');
	if (error !== undefined) {
		const where = failed ? ` at step "${failed.step}"` : '';
		lines.push(`Error${where}: ${error.code}${error.message ? `: ${error.message}` : ''}`);
	} else if (failed !== undefined) {
		lines.push(`Last failed step: "${failed.step}" (${failed.detail ?? 'no detail'}).`);
	} else {
		lines.push('No error was reported.');
	}
	if (phone?.productType) lines.push(`iPhone: ${phone.model ?? phone.productType} (${phone.productType}), iOS ${phone.iosVersion ?? 'unknown'}.`);
	lines.push(`Browser: ${environment.userAgent}${environment.platform ? ` on ${environment.platform}` : ''}.`);
	const outline = steps
		.filter((step) => step.outcome !== 'started')
		.slice(-24)
		.map((step) => `${step.step} ${step.outcome}${step.ms !== undefined ? ` ${step.ms} ms` : ''}${step.detail ? ` (${step.detail})` : ''}`);
	if (outline.length > 0) lines.push(`Steps: ${outline.join('; ')}.`);
	const count = (name: string) => counters[name] ?? 0;
	lines.push(
		`USB: ${count('usb.in.transfers')} transfers in, ${count('usb.out.transfers')} out; ` +
			`usbmux: ${count('usbmux.in.packets')} packets in, ${count('usbmux.out.packets')} out, ` +
			`${count('usbmux.in.resets') + count('usbmux.out.resets')} resets.`,
	);
	return lines;
}
