/**
 * Code tables of HJ 212 (Tables 5–9, Annex B) that the protocol layer needs: answer codes,
 * the commands a data logger sends, and the mapping of HJ 212-2005 short pollutant codes to 2017 codes.
 */

/** QnRtn of a 9011 answer (Table 8). */
export const QN_RTN = {
  ready: 1,
  rejected: 2,
  pwError: 3,
  mnError: 4,
  stError: 5,
  flagError: 6,
  qnError: 7,
  cnError: 8,
  crcError: 9,
  unknown: 100,
} as const;

/** ExeRtn of a 9012 answer (Table 9). */
export const EXE_RTN = {
  ok: 1,
  failed: 2,
  badCondition: 3,
  timeout: 4,
  busy: 5,
  systemFault: 6,
  noData: 100,
} as const;

/** Uploads of monitoring data and equipment state: answered with 9014 when the Flag asks (A bit). */
export const DATA_COMMANDS: ReadonlySet<string> = new Set(['2011', '2021', '2031', '2041', '2051', '2061', '2081', '2072']);

/**
 * Other commands a logger may send to the platform: its answers to the platform's requests (9011–9014),
 * the time-calibration request (1013), and vendor commands seen in the field (8013 heartbeat, 9015 CON-RT).
 * Logged, not stored as readings. Vendor 8xxx commands are accepted generally (tolerance).
 */
export const LOGGER_COMMANDS: ReadonlySet<string> = new Set(['1011', '1013', '1061', '1063', '2012', '2022', '3019', '3020', '9011', '9012', '9013', '9014', '9015', '8013']);

/** Whether the platform accepts this CN from a logger (data, answers, vendor 8xxx). */
export function isLoggerCommand(cn: string): boolean {
  return DATA_COMMANDS.has(cn) || LOGGER_COMMANDS.has(cn) || (cn.length === 4 && cn[0] === '8');
}

/** System types (Table 5): 21–27 quality, 31–39 and 41 pollution sources, 51–52 process, 91 system interaction. */
export function isKnownSt(st: string): boolean {
  if (st.length !== 2) return false;
  const n = (st.charCodeAt(0) - 48) * 10 + (st.charCodeAt(1) - 48);
  return (n >= 21 && n <= 27) || (n >= 31 && n <= 39) || n === 41 || n === 51 || n === 52 || n === 91;
}

/** HJ 212-2005 pollutant codes → HJ 212-2017 (Annex B; only the verified pairs). */
export const CODE_2005_TO_2017: Readonly<Record<string, string>> = {
  // water
  B01: 'w00000', // wastewater flow
  '011': 'w01018', // COD
  '060': 'w21003', // NH3-N
  '101': 'w21011', // TP
  '065': 'w21001', // TN
  '001': 'w01001', // pH
  '003': 'w01012', // SS
  '010': 'w01017', // BOD5
  // air
  B02: 'a00000', // flue-gas flow
  '02': 'a21026', // SO2
  '03': 'a21002', // NOx
  '01': 'a34013', // smoke / particulates
  S01: 'a19001', // O2
  S02: 'a01011', // flue-gas velocity
  S03: 'a01012', // flue-gas temperature
  S08: 'a01013', // pressure
  S05: 'a01014', // humidity
  S07: 'a01016', // duct cross-section area
  S04: 'a01017', // dynamic pressure
};

/** The 2017 code of a pollutant code as sent: itself when already a 2017 code (`a21026`), the mapped one for a 2005 code, else null. */
export function code2017Of(code: string): string | null {
  if (code.length === 6) {
    const c0 = code.charCodeAt(0);
    if (c0 >= 97 && c0 <= 122) {
      let digits = true;
      for (let i = 1; i < 6; i += 1) {
        const c = code.charCodeAt(i);
        if (c < 48 || c > 57) digits = false;
      }
      if (digits) return code;
    }
  }
  return CODE_2005_TO_2017[code] ?? null;
}
