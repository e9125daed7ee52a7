/**
 * Diagnostics: a passive tap on the USB seam (`tapUsb`), the recorder it feeds and the app notes steps
 * into (`DiagnosticRecorder`), and the report a person can attach to a bug (`buildDiagnosticReport`).
 */
export { DiagnosticRecorder, type DiagnosticStep, type StepOutcome } from './recorder';
export { tapUsb } from './usb-tap';
export { buildDiagnosticReport, type DiagnosticReport, type DiagnosticReportInput, type ReportEnvironment, type ReportPhone } from './report';
