/**
 * Every word of the Markdown and HTML reports, in every language, in one
 * table. English is the default; Japanese follows the reference team's
 * runbook (RTO 目標復旧時間, RPO 目標復旧時点).
 */
import type { PhaseName } from "../vocabulary.js";

export const REPORT_LANGUAGES = ["en", "ja"] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];

const TABLE = {
  "title.drill": { en: "DR drill", ja: "DR訓練レポート" },
  "title.failover": { en: "DR failover", ja: "DR切替レポート" },
  "title.destroy": { en: "DR destroy", ja: "DR環境削除レポート" },
  "title.failback": { en: "DR failback", ja: "DR切り戻しレポート" },
  downtime: { en: "Downtime", ja: "停止時間" },
  downtimeOngoing: { en: "since the write freeze at", ja: "書き込み停止からの経過 (開始" },
  downtimeSpan: { en: "write freeze → production healthy", ja: "書き込み停止 → 本番の正常応答" },
  handOver: { en: "Hand-over: the new primary", ja: "引き継ぎ: 新しいプライマリ" },
  handOverNote: {
    en: "Deletion-protected and never deleted by dr-failover. Adopt it in the production IaC with one of:",
    ja: "削除保護が有効で、dr-failover が削除することはありません。本番の IaC に取り込むには次のいずれかを実行します:",
  },
  instance: { en: "Instance", ja: "インスタンス" },
  "result.succeeded": { en: "succeeded", ja: "成功" },
  "result.failed": { en: "FAILED", ja: "失敗" },
  emulator: { en: "emulator rehearsal", ja: "エミュレータでのリハーサル" },
  run: { en: "Run", ja: "実行ID" },
  stack: { en: "Stack", ja: "スタック" },
  regions: { en: "Regions", ja: "リージョン" },
  incidentStart: { en: "Incident start", ja: "障害発生時刻" },
  incidentClockOf: {
    en: "recorded by the interrupted run",
    ja: "中断された実行が記録",
  },
  started: { en: "Started", ja: "開始" },
  finished: { en: "Finished", ja: "終了" },
  rto: { en: "RTO", ja: "目標復旧時間 (RTO)" },
  rpo: { en: "RPO", ja: "目標復旧時点 (RPO)" },
  of: { en: "of", ja: "／" },
  rtoWithTtl: { en: "RTO incl. DNS TTL", ja: "DNS TTL込みの復旧時間" },
  restorePoint: { en: "restore point", ja: "復元ポイント" },
  cacheBackupAge: { en: "Cache backup age", ja: "キャッシュのバックアップ経過時間" },
  error: { en: "Error", ja: "エラー" },
  phases: { en: "Phases", ja: "フェーズ" },
  phase: { en: "Phase", ja: "フェーズ" },
  start: { en: "Start (+s)", ja: "開始 (+秒)" },
  duration: { en: "Duration", ja: "所要時間" },
  resources: { en: "Resources", ja: "リソース" },
  resource: { en: "Resource", ja: "リソース" },
  type: { en: "Type", ja: "種類" },
  criticalPath: { en: "critical path", ja: "クリティカルパス" },
  verification: { en: "Verification", ja: "検証結果" },
  check: { en: "Check", ja: "検証項目" },
  result: { en: "Result", ja: "結果" },
  detail: { en: "Detail", ja: "詳細" },
  dataChecks: { en: "Data checks", ja: "データ検証 (レコード数)" },
  value: { en: "Value", ja: "値" },
  expectation: { en: "Expected", ja: "期待値" },
  dns: { en: "DNS", ja: "DNS" },
  record: { en: "Record", ja: "レコード" },
  previousValue: { en: "Previous value", ja: "切替前の値" },
  pointsAt: { en: "Now points at", ja: "現在の向き先" },
  insyncAfter: { en: "INSYNC after", ja: "INSYNCまで" },
  teardown: { en: "Teardown", ja: "後片付け" },
  notPerformed: { en: "not performed", ja: "未実施" },
  warnings: { en: "Warnings", ja: "警告" },
  timeline: { en: "Timeline", ja: "タイムライン" },
  budgetView: { en: "Against the RTO budget", ja: "RTO予算に対する経過" },
  rpoWindow: { en: "RPO window (data-loss)", ja: "RPOウィンドウ (データ損失)" },
  incident: { en: "incident", ja: "障害発生" },
  recovered: { en: "recovered", ja: "復旧" },
  budgetEnd: { en: "RTO budget", ja: "RTO予算" },
  environment: { en: "Environment", ja: "実行環境" },
  plan: { en: "Plan", ja: "DR計画" },
  app: { en: "Application", ja: "アプリケーション" },
  snapshot: { en: "Snapshot", ja: "スナップショット" },
  replicaStorage: { en: "S3 replica", ja: "S3レプリカ" },
  versions: { en: "Versions", ja: "バージョン" },
  met: { en: "met", ja: "達成" },
  missed: { en: "MISSED", ja: "未達" },
  schema: { en: "report schema", ja: "レポートスキーマ" },
  endpoints: { en: "Endpoints", ja: "エンドポイント" },
  none: { en: "none", ja: "なし" },
} as const satisfies Record<string, Record<ReportLanguage, string>>;

/** Phase names as the runbook says them (every phase has one); a name from an older report keeps its name. */
const PHASE_NAMES: Record<PhaseName, Record<ReportLanguage, string>> = {
  preflight: { en: "preflight", ja: "事前確認 (preflight)" },
  provision: { en: "provision", ja: "構築 (provision)" },
  database: { en: "database", ja: "データベース (database)" },
  service: { en: "service", ja: "サービス (service)" },
  readiness: { en: "readiness", ja: "準備完了の確認 (readiness)" },
  dns: { en: "dns", ja: "DNS (dns)" },
  verification: { en: "verification", ja: "検証 (verification)" },
  teardown: { en: "teardown", ja: "後片付け (teardown)" },
  "release-protection": { en: "release-protection", ja: "削除保護の解除 (release-protection)" },
  "write-freeze": { en: "write-freeze", ja: "書き込み停止 (write-freeze)" },
  "final-snapshot": { en: "final-snapshot", ja: "最終スナップショット (final-snapshot)" },
  "copy-snapshot": { en: "copy-snapshot", ja: "スナップショットのコピー (copy-snapshot)" },
  restore: { en: "restore", ja: "リストア (restore)" },
  "data-check": { en: "data-check", ja: "データ検証 (data-check)" },
  "production-secret": { en: "production-secret", ja: "本番シークレットの更新 (production-secret)" },
  "production-service": { en: "production-service", ja: "本番サービスの再起動 (production-service)" },
  "prepare-replica": { en: "prepare-replica", ja: "リードレプリカの作成 (prepare-replica)" },
  "catch-up": { en: "catch-up", ja: "レプリカの追いつき待ち (catch-up)" },
  promote: { en: "promote", ja: "レプリカの昇格 (promote)" },
  "hand-over": { en: "hand-over", ja: "新プライマリの引き渡し (hand-over)" },
};

export function phaseName(name: string, lang: ReportLanguage = "en"): string {
  return PHASE_NAMES[name as PhaseName]?.[lang] ?? name;
}

export type MessageKey = keyof typeof TABLE;

/** The words of one language. */
export function messages(lang: ReportLanguage = "en"): (key: MessageKey) => string {
  return (key) => TABLE[key][lang];
}
