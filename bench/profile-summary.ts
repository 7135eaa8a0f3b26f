/**
 * Sums a V8 CPU profile (`node --cpu-prof`) by function: self time and its share of the
 * thread's busy time, the largest first. Used to write the profile summaries in bench/README.md.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top=30]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarise(profile: CpuProfile, top = 30): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const f = byId.get(id)?.callFrame;
    const name = f?.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') {
      idle += dt;
      return;
    }
    busy += dt;
    const where = f?.url ? `${f.url.replace(/^.*\/(node_modules\/)?/, '')}:${(f.lineNumber ?? 0) + 1}` : '';
    const key = `${name} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`,
    ...rows.map(
      ([k, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2)} s  ${k}`,
    ),
  ];
}

if (process.argv[2]) {
  const profile = JSON.parse(readFileSync(process.argv[2], 'utf8')) as CpuProfile;
  process.stdout.write(`${summarise(profile, Number(process.argv[3] ?? 30)).join('\n')}\n`);
}
