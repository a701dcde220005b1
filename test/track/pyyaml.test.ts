import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { dumpYaml, pythonFloat, type YamlValue } from "../../src/track/pyyaml.ts";

/** Real PyYAML (installed by .ci/install-track.sh): the reference our emitter must match byte for byte. */
function pyyaml(): ((data: unknown) => string) | undefined {
  try {
    execFileSync("python3", ["-c", "import yaml"], { stdio: "ignore" });
  } catch {
    if (process.env.CI) throw new Error("python3 with PyYAML is required in CI (.ci/install-track.sh)");
    return undefined;
  }
  return (data) =>
    execFileSync(
      "python3",
      [
        "-c",
        "import sys, json, yaml; d = json.load(sys.stdin); sys.stdout.write(yaml.dump(d, default_flow_style=False, allow_unicode=True, sort_keys=True))",
      ],
      { input: JSON.stringify(data) },
    ).toString("utf8");
}

function python(expr: string): string | undefined {
  try {
    return execFileSync("python3", ["-c", `import sys; sys.stdout.write(${expr})`]).toString();
  } catch {
    return undefined;
  }
}

const STRINGS = [
  "0",
  "1",
  "007",
  "0x1f",
  "1.5",
  "1e5",
  "1.0e+5",
  ".5",
  ".inf",
  "-.inf",
  ".nan",
  "yes",
  "No",
  "on",
  "OFF",
  "true",
  "False",
  "null",
  "Null",
  "~",
  "",
  " ",
  "None",
  "none",
  "Default",
  "imdb-sentiment",
  "run-1a2b3c4d",
  "0123abcd0123abcd0123abcd0123abcd",
  "12345678901234567890123456789012",
  "file:///tmp/mlruns/0",
  "runs:/abc/model",
  "mlflow-artifacts:/1/x",
  "a: b",
  "a:b",
  "x:",
  "key #c",
  "a#b",
  "#x",
  "-",
  "- x",
  "-x",
  "?",
  "? x",
  ":x",
  ": x",
  "[x]",
  "{x}",
  "x,y",
  "&a",
  "*a",
  "!t",
  "|",
  ">",
  "'q'",
  '"q"',
  "%x",
  "@x",
  "`x`",
  "---",
  "...",
  "a---",
  "2024-01-01",
  "2024-1-1 10:00:00",
  "12:30",
  "1:2:3",
  "<<",
  "=",
  "tab\there",
  "ünïcødé ✓",
  " leading",
  "trailing ",
  "with 'quote'",
  "READY",
  "Production",
  "root",
  "/abs/path/model.sentiment",
];

describe("PyYAML-compatible writer", () => {
  const ref = pyyaml();
  it.skipIf(!ref)("quotes and formats every sample string exactly as PyYAML does", () => {
    const data = Object.fromEntries(STRINGS.map((s, i) => [`k${String(i).padStart(3, "0")}`, s]));
    expect(dumpYaml(data)).toBe(ref!(data));
  });

  it.skipIf(!ref)("writes MLflow meta.yaml shapes exactly as PyYAML does", () => {
    const samples: Record<string, YamlValue>[] = [
      {
        artifact_location: "file:///tmp/m/0",
        creation_time: 1700000000000,
        experiment_id: "0",
        last_update_time: null,
        lifecycle_stage: "active",
        name: "Default",
      },
      {
        aliases: { production: "3", staging: "4" },
        creation_timestamp: 1,
        deployment_job_id: null,
        description: null,
        name: "m",
      },
      { aliases: {}, tags: [], end_time: null, status: 3, source_type: 4, entry_point_name: "" },
    ];
    for (const s of samples) expect(dumpYaml(s)).toBe(ref!(s));
  });

  it("has a fixed expected output for a run's meta.yaml", () => {
    expect(
      dumpYaml({ run_id: "5", status: 3, tags: [], end_time: null, user_id: "u", aliases: { a: "1" } }),
    ).toBe("aliases:\n  a: '1'\nend_time: null\nrun_id: '5'\nstatus: 3\ntags: []\nuser_id: u\n");
  });
});

describe("Python float formatting", () => {
  const cases: [number, string][] = [
    [0.5, "0.5"],
    [1, "1.0"],
    [0, "0.0"],
    [-2.5, "-2.5"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [1.5e-7, "1.5e-07"],
    [1e16, "1e+16"],
    [1.5e16, "1.5e+16"],
    [123456789012345, "123456789012345.0"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1e22, "1e+22"],
    [Number.NaN, "nan"],
    [Number.POSITIVE_INFINITY, "inf"],
    [Number.NEGATIVE_INFINITY, "-inf"],
    [0.8765432109876543, "0.8765432109876543"],
    [1234.5, "1234.5"],
    [9999999999999998, "9999999999999998.0"],
  ];
  it("matches str(float) on fixed cases", () => {
    for (const [v, s] of cases) expect(pythonFloat(v), String(v)).toBe(s);
  });
  it.skipIf(python("''") === undefined)("matches Python's str(float) on random values", () => {
    const values = Array.from({ length: 300 }, (_, j) => {
      const i = j + 1; // i = 0 would give -0, which JSON cannot carry to Python
      const x = Math.sin(i * 12.9898) * 43758.5453;
      return (x - Math.floor(x)) * 10 ** ((i % 40) - 20) * (i % 3 === 0 ? -1 : 1);
    });
    const py = python(
      `'\\n'.join(str(float(x)) for x in ${JSON.stringify(values.map((v) => v.toString()))})`,
    )!;
    expect(values.map(pythonFloat).join("\n")).toBe(py);
  });
});
