// The OCSF 1.x event classes (ocsf/ocsf-schema, events/*/*.json, as of 1.9.0-dev; deprecated classes kept: old
// producers still write them) and which of them the OCSF adapter reads. A finding class (category 2) is a tool's
// verdict; the Identity & Access Management classes (category 3) and API Activity 6003 (Security Lake's CloudTrail)
// are acts of a principal, read as `activity` on that identity. Every other class is telemetry about hosts,
// networks, files or inventory: not a finding about an identity, so the record is refused naming its class.
import { quoteRedacted } from '../secret-shapes.ts';

export const OCSF_CLASSES: Readonly<Record<number, string>> = {
  0: 'Base Event',
  // 1 System Activity
  1001: 'File System Activity',
  1002: 'Kernel Extension Activity',
  1003: 'Kernel Activity',
  1004: 'Memory Activity',
  1005: 'Module Activity',
  1006: 'Scheduled Job Activity',
  1007: 'Process Activity',
  1008: 'Event Log Activity',
  1009: 'Script Activity',
  1010: 'Peripheral Activity',
  1011: 'Device Power State Activity',
  1012: 'Clipboard Activity',
  // 2 Findings
  2001: 'Security Finding',
  2002: 'Vulnerability Finding',
  2003: 'Compliance Finding',
  2004: 'Detection Finding',
  2005: 'Incident Finding',
  2006: 'Data Security Finding',
  2007: 'Application Security Posture Finding',
  2008: 'IAM Analysis Finding',
  // 3 Identity & Access Management
  3001: 'Account Change',
  3002: 'Authentication',
  3003: 'Authorize Session',
  3004: 'Entity Management',
  3005: 'User Access Management',
  3006: 'Group Management',
  3007: 'User Management',
  3008: 'Role Management',
  // 4 Network Activity
  4001: 'Network Activity',
  4002: 'HTTP Activity',
  4003: 'DNS Activity',
  4004: 'DHCP Activity',
  4005: 'RDP Activity',
  4006: 'SMB Activity',
  4007: 'SSH Activity',
  4008: 'FTP Activity',
  4009: 'Email Activity',
  4010: 'Network File Activity',
  4011: 'Email File Activity',
  4012: 'Email URL Activity',
  4013: 'NTP Activity',
  4014: 'Tunnel Activity',
  // 5 Discovery
  5001: 'Device Inventory Info',
  5002: 'Device Config State',
  5003: 'User Inventory Info',
  5004: 'Operating System Patch State',
  5006: 'Kernel Object Query',
  5007: 'File Query',
  5008: 'Folder Query',
  5009: 'Admin Group Query',
  5010: 'Job Query',
  5011: 'Module Query',
  5012: 'Network Connection Query',
  5013: 'Networks Query',
  5014: 'Peripheral Device Query',
  5015: 'Process Query',
  5016: 'Service Query',
  5017: 'User Session Query',
  5018: 'User Query',
  5019: 'Device Config State Change',
  5020: 'Software Inventory Info',
  5021: 'OSINT Inventory Info',
  5022: 'Startup Item Query',
  5023: 'Cloud Resources Inventory Info',
  5040: 'Live Evidence Info',
  // 6 Application Activity
  6001: 'Web Resources Activity',
  6002: 'Application Lifecycle',
  6003: 'API Activity',
  6004: 'Web Resource Access Activity',
  6005: 'Datastore Activity',
  6006: 'File Hosting Activity',
  6007: 'Scan Activity',
  6008: 'Application Error',
  // 7 Remediation
  7001: 'Remediation Activity',
  7002: 'File Remediation Activity',
  7003: 'Process Remediation Activity',
  7004: 'Network Remediation Activity',
  // 8 Unmanned Systems
  8001: 'Drone Flights Activity',
  8002: 'Airborne Broadcast Activity',
};

/** A finding class (category 2), read as a finding. */
export const isOcsfFindingClass = (classUid: number): boolean => classUid >= 2000 && classUid < 3000;

/** Classes read as `activity`: a principal's own act (IAM category 3, API Activity). */
export const isOcsfIdentityActivityClass = (classUid: number): boolean =>
  (classUid >= 3000 && classUid < 4000) || classUid === 6003;

/**
 * Why a record of this class is refused, or undefined when the adapter reads it. Names the class by uid and name:
 * "OCSF class 4001 Network Activity is not a finding about an identity".
 */
export function ocsfClassRefusal(classUid: number, className?: string | null): string | undefined {
  if (isOcsfFindingClass(classUid) || isOcsfIdentityActivityClass(classUid)) return undefined;
  const known = OCSF_CLASSES[classUid];
  if (known) return `OCSF class ${classUid} ${known} is not a finding about an identity`;
  const said = className?.trim() ? ` ${quoteRedacted(className.trim(), 80)}` : '';
  return `OCSF class ${classUid}${said} is not in OCSF 1.x's class list: not a finding about an identity`;
}
