/**
 * The shape of an HJ 212 upload once parsed (2017 and 2005 style). Produced by the protocol layer
 * (hj212/), consumed by ingest/ and by the module's storage services. Pure data, no behaviour.
 */

/** Which edition's conventions the packet follows (Flag version bits; 2005 when Flag is absent or 0/1/2/3). */
export type Hj212Version = '2005' | '2017';

/** Values of one pollutant (or parameter) in a CP section, by field suffix. Numbers already parsed. */
export interface PollutantValues {
  /** The code as sent (`a21026`, or the 2005 short code `02`). */
  code: string;
  /** The HJ 212-2017 code (`a21026`), mapped from 2005 codes; null when the code is unknown (kept as sent). */
  code2017: string | null;
  rtd?: number;
  min?: number;
  avg?: number;
  max?: number;
  /** Period total (-Cou), e.g. m³ of wastewater or kg of COD. */
  cou?: number;
  zsRtd?: number;
  zsMin?: number;
  zsAvg?: number;
  zsMax?: number;
  /** Data flag (N, F, M, S, D, C, T, B); absent means none sent. */
  flag?: string;
  eflag?: string;
  /** -SampleTime as sent (yyyyMMddHHmmss). */
  sampleTime?: string;
}

export interface CpSection {
  /** DataTime as sent (14 or 17 digits), or null. Start of the period for 2031/2041/2051/2061; the sampling instant for 2011/2021. */
  dataTime: string | null;
  /** Items that are not pollutant values (RtdInterval, QnRtn, ExeRtn, RestartTime, SBx-RS …), as sent. */
  fields: Record<string, string>;
  pollutants: PollutantValues[];
}

export interface Hj212Packet {
  version: Hj212Version;
  /** Request number (yyyyMMddHHmmssSSS); null in many 2005-style uploads. */
  qn: string | null;
  st: string;
  cn: string;
  pw: string;
  mn: string;
  /** Flag as sent; null when absent (2005 style). */
  flag: number | null;
  /** Flag bit A: the sender wants an acknowledgement (9014 for data). */
  needsAck: boolean;
  /** PNUM/PNO of a split upload; null when not split. */
  pnum: number | null;
  pno: number | null;
  cp: CpSection;
  /** The whole packet as received (## … CRC), without the trailing CR LF. */
  raw: string;
}

/** Why a packet was refused: a code for machines and a Chinese reason for people. */
export interface Hj212Rejection {
  code:
    | 'frame_header' | 'frame_length' | 'frame_too_long' | 'frame_tail' | 'crc_mismatch' | 'crc_syntax'
    | 'field_syntax' | 'field_missing' | 'st_invalid' | 'cn_invalid' | 'mn_invalid' | 'qn_invalid' | 'flag_invalid'
    | 'datatime_invalid' | 'value_invalid' | 'not_a_packet'
    // added by the protocol helper (additive):
    | 'pw_invalid' | 'pnum_invalid';
  reason: string;
}
