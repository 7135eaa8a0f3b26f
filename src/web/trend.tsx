/** @jsxImportSource hono/jsx */
import type { Locale } from './i18n';

/** One line of a trend chart: its values per period (null: no value that period). */
export interface TrendLine {
  label: string;
  /** A CSS class that gives the line its colour and dash. */
  kind: 'records' | 'errors';
  values: Array<number | null>;
}

const W = 520;
const H = 150;
const LEFT = 64;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 28;

/**
 * A trend chart drawn on the server: one polyline per line over the periods, the y axis
 * labelled with 0 and the largest value, the x axis with the first and last period, and a
 * <title>/<desc> so it is announced as one image (the figures themselves are in the page's
 * table). No script; an anomalous period is marked with a ring on the records line.
 */
export function TrendChart(props: {
  l: Locale;
  id: string;
  title: string;
  desc: string;
  periods: string[];
  lines: TrendLine[];
  anomalies: boolean[];
}) {
  const { l, periods, lines } = props;
  const max = Math.max(1, ...lines.flatMap((s) => s.values.map((v) => v ?? 0)));
  const n = Math.max(1, periods.length - 1);
  const x = (i: number) => LEFT + ((W - LEFT - RIGHT) * i) / n;
  const y = (v: number) => TOP + (H - TOP - BOTTOM) * (1 - v / max);
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const points = (values: Array<number | null>) =>
    values
      .map((v, i) => (v === null ? null : `${r1(x(i))},${r1(y(v))}`))
      .filter((p) => p !== null)
      .join(' ');
  const records = lines.find((s) => s.kind === 'records');
  return (
    <svg
      class="trend"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-labelledby={`${props.id}-t ${props.id}-d`}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id={`${props.id}-t`}>{props.title}</title>
      <desc id={`${props.id}-d`}>{props.desc}</desc>
      <line class="axis" x1={LEFT} y1={TOP} x2={LEFT} y2={H - BOTTOM} />
      <line class="axis" x1={LEFT} y1={H - BOTTOM} x2={W - RIGHT} y2={H - BOTTOM} />
      <text class="tick" x={LEFT - 6} y={TOP + 4} text-anchor="end">
        {l.number(max)}
      </text>
      <text class="tick" x={LEFT - 6} y={H - BOTTOM + 4} text-anchor="end">
        0
      </text>
      <text class="tick" x={LEFT} y={H - 8} text-anchor="start">
        {periods[0] ?? ''}
      </text>
      <text class="tick" x={W - RIGHT} y={H - 8} text-anchor="end">
        {periods[periods.length - 1] ?? ''}
      </text>
      {lines.map((s) => (
        <polyline class={`line ${s.kind}`} points={points(s.values)} fill="none" />
      ))}
      {records
        ? props.anomalies.map((a, i) => {
            const v = records.values[i];
            return a && v !== null && v !== undefined ? (
              <circle class="anomaly" cx={r1(x(i))} cy={r1(y(v))} r="5" fill="none" />
            ) : null;
          })
        : null}
      {lines.map((s, i) => (
        <text class={`legend ${s.kind}`} x={LEFT + 8} y={TOP + 10 + i * 14} text-anchor="start">
          {s.label}
        </text>
      ))}
    </svg>
  );
}
