// Writes YAML the way MLflow's file store does — PyYAML `yaml.dump(data, default_flow_style=False,
// allow_unicode=True, sort_keys=True)` — for the small value set MLflow's meta.yaml files hold
// (strings, ints, null, empty list, flat maps). Matching PyYAML's choice of plain vs quoted strings
// matters: MLflow reads back with YAML 1.1 implicit typing, so an unquoted "0" would come back an int.
// Also formats floats like Python's str(float), for metric files.

export type YamlValue = string | number | null | YamlValue[] | { [key: string]: YamlValue };

// PyYAML's implicit resolvers (yaml/resolver.py): a plain scalar matching one of these is not a string.
const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];

const WHITESPACE = "\0 \t\r\n\u0085\u2028\u2029";

/** Characters PyYAML (allow_unicode) cannot print raw: they force double quotes. Line breaks go there
 *  too (PyYAML would fold them into a multi-line single-quoted scalar: the same value when read). */
function needsEscape(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true; // C0/C1 controls, tab, newline, DEL
  if (c >= 0xd800 && c <= 0xdfff) return true; // lone surrogates
  return c === 0xfeff || c === 0xfffe || c === 0xffff || c === 0x2028 || c === 0x2029;
}

/** PyYAML emitter's analyze_scalar, reduced to the block-context decisions. */
function scalarStyle(s: string): "plain" | "single" | "double" {
  // Characters PyYAML (allow_unicode) cannot print raw force double quotes; we also send line breaks
  // there, which PyYAML would fold into a multi-line single-quoted scalar (same value when read).
  if ([...s].some(needsEscape)) return "double";
  if (s === "" || IMPLICIT.some((re) => re.test(s))) return "single";
  if (s.startsWith("---") || s.startsWith("...")) return "single";
  if (WHITESPACE.includes(s[0]) || WHITESPACE.includes(s[s.length - 1])) return "single";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const followedBySpace = i + 1 >= s.length || WHITESPACE.includes(s[i + 1]);
    const precededBySpace = i > 0 && WHITESPACE.includes(s[i - 1]);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) return "single";
      if ((ch === "?" || ch === ":" || ch === "-") && followedBySpace) return "single";
    } else {
      if (ch === ":" && followedBySpace) return "single";
      if (ch === "#" && precededBySpace) return "single";
    }
  }
  return "plain";
}

function scalar(v: string | number | null): string {
  if (v === null) return "null";
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error(`pyyaml: only integers are supported, got ${v}`);
    return String(v);
  }
  const style = scalarStyle(v);
  if (style === "plain") return v;
  if (style === "single") return `'${v.replaceAll("'", "''")}'`;
  return JSON.stringify(v); // JSON escapes are valid YAML double-quoted escapes
}

function emit(value: YamlValue, indent: number, out: string[]): void {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === "object")
        throw new Error("pyyaml: nested collections in lists are not supported");
      out.push(`${pad}- ${scalar(item)}`);
    }
    return;
  }
  if (value === null || typeof value !== "object") throw new Error("pyyaml: top level must be a collection");
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    const k = scalar(key);
    if (Array.isArray(v) && v.length === 0) out.push(`${pad}${k}: []`);
    else if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) {
      out.push(`${pad}${k}: {}`);
    } else if (v !== null && typeof v === "object") {
      out.push(`${pad}${k}:`);
      // PyYAML indents a block mapping under a key, but not a block sequence.
      emit(v, Array.isArray(v) ? indent : indent + 2, out);
    } else out.push(`${pad}${k}: ${scalar(v)}`);
  }
}

/**
 * @example dumpYaml({ experiment_id: "0", name: "Default", creation_time: 1, tags: [] })
 *   // "creation_time: 1\nexperiment_id: '0'\nname: Default\ntags: []\n"
 */
export function dumpYaml(value: { [key: string]: YamlValue }): string {
  const out: string[] = [];
  emit(value, 0, out);
  return `${out.join("\n")}\n`;
}

/**
 * Python's str(float): shortest round-trip digits, scientific below 1e-4 and from 1e16, always a
 * decimal point or exponent ("1.0", "0.5", "1e-05", "1.5e+16", "nan", "inf", "-inf").
 */
export function pythonFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = v.toExponential().split("e"); // shortest digits that round-trip
  const exp = Number(expStr);
  const sign = mant.startsWith("-") ? "-" : "";
  const digits = mant.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || "0"}`;
}
