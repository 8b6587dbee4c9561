"""The model audit compliance reads on the Audit page: data quality, drift, bias and errors.

Data quality and the holdout errors are what the training run recorded (`ScoringModel.data_audit` and
`.metrics`). Drift, bias and the errors reps reported are read live from the current scores, the recent
decisions and the reps' feedback, so the page shows how the version behaves on today's book, not only how
it tested. Each report is a section: a title, a one-line summary, rows of (name, text, level) and the
section's worst level ("" fine, "watch", "alert"). Read-only; one or two grouped queries per report.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from leadscoring.models import Lead
from scoring.analytics import qualification_threshold, won_statuses
from scoring.models import LeadFeedback, LeadScore, ScoreSnapshot, ScoringModel, ScoringProgram
from scoring.selectors import tiers_for

WATCH, ALERT = "watch", "alert"
# Population stability index bands, as credit-risk model monitoring uses them.
PSI_WATCH, PSI_ALERT = 0.10, 0.25
# The four-fifths rule: a group qualified at under 80 % of the best group's rate is flagged.
FOUR_FIFTHS = 0.8
MIN_GROUP = 30  # closed leads a group needs before its rates mean anything
# Where a lead is from can stand in for national origin; source, seniority, region and the owning rep are
# what the model is meant to weigh, or what it should not pick up from the rep's habits, so they are
# audited too; ops staff add lead attributes with settings.BIAS_ATTRIBUTES (keys of Lead.attributes).
BIAS_DIMENSIONS = (
    ("country", "Country"),
    ("source", "Source"),
    ("seniority", "Seniority"),
    ("account__region", "Region"),
    ("owner__username", "Rep"),
)
SIGNIFICANCE = 0.05  # a gap whose two-proportion z-test p-value is at or above this is not called
RECENT_DECISIONS = 2000
FILL_SHIFT = 0.20  # a signal filled 20 points more or less often than in training
FEEDBACK_DAYS = 90


def _row(name: str, text: str, level: str = "") -> dict:
    return {"name": name, "text": text, "level": level}


def _section(key: str, title: str, rows: list[dict], summary: str, basis: str) -> dict:
    levels = {r["level"] for r in rows}
    level = ALERT if ALERT in levels else (WATCH if WATCH in levels else "")
    return {"key": key, "title": title, "rows": rows, "summary": summary, "basis": basis, "level": level}


def _labels(model: ScoringModel) -> dict[str, str]:
    """Signal key -> its name, from the version's own copy of its signals."""
    return {s["key"]: s.get("name") or s["key"] for s in (model.signals or []) if isinstance(s, dict)}


def _pct(value: float) -> str:
    return f"{value:.0%}"


# ---------------------------------------------------------------- data quality (recorded in training)


def _named(item) -> str:
    if isinstance(item, dict):
        name = item.get("signal") or item.get("column") or item.get("name") or "?"
        reason = item.get("reason") or item.get("why") or ""
        return f"{name} ({reason})" if reason else str(name)
    return str(item)


def data_quality(model: ScoringModel) -> dict:
    audit = model.data_audit if isinstance(model.data_audit, dict) else {}
    basis = f"the closed history v{model.version} was trained on"
    if not audit:
        return _section("data_quality", "Data quality", [], "Not recorded for this version.", basis)
    labels = _labels(model)
    rows = []
    closed, won = audit.get("n_closed", 0), audit.get("n_won", 0)
    confidence = str(audit.get("confidence") or "")
    rows.append(
        _row(
            "Closed history",
            f"{closed:,} leads: {won:,} won, {audit.get('n_lost', 0):,} lost "
            f"(win rate {_pct(audit.get('base_rate') or 0)}); evidence {confidence or 'not rated'}",
            WATCH if confidence in ("low", "thin", "insufficient") else "",
        )
    )
    completeness = audit.get("completeness") or {}
    sparse = sorted((share, key) for key, share in completeness.items() if share < 0.95)
    if sparse:
        rows.append(
            _row(
                "Least complete signals",
                ", ".join(f"{labels.get(k, k)} {_pct(v)} filled" for v, k in sparse[:4])
                + (f", and {len(sparse) - 4} more under 95 %" if len(sparse) > 4 else ""),
                WATCH if sparse[0][0] < 0.5 else "",
            )
        )
    elif completeness:
        rows.append(_row("Completeness", "every signal at least 95 % filled"))
    outliers = {k: v for k, v in (audit.get("outliers") or {}).items() if isinstance(v, dict) and v.get("n")}
    if outliers:
        worst = sorted(outliers.items(), key=lambda kv: -kv[1]["n"])[:3]
        rows.append(
            _row(
                "Outliers",
                f"{sum(v['n'] for v in outliers.values()):,} values past the upper fence in "
                f"{len(outliers)} signals; most in "
                + ", ".join(f"{labels.get(k, k)} ({v['n']})" for k, v in worst),
            )
        )
    duplicates = audit.get("duplicates") or {}
    duplicates = duplicates.get("rows", 0) if isinstance(duplicates, dict) else int(duplicates)
    rows.append(_row("Duplicate rows", f"{duplicates:,}", WATCH if duplicates else ""))
    leakage = audit.get("leakage_flagged") or []
    rows.append(
        _row(
            "Leakage",
            "flagged: " + "; ".join(_named(x) for x in leakage)
            if leakage
            else "no signal predicts the outcome suspiciously well",
            ALERT if leakage else "",
        )
    )
    for name, why in (audit.get("excluded") or {}).items():
        rows.append(_row(f"Left out: {labels.get(name, name)}", str(why)))
    for problem in audit.get("errors") or []:
        rows.append(_row("Error", _named(problem), ALERT))
    for warning in audit.get("warnings") or []:
        rows.append(_row("Warning", _named(warning), WATCH))
    flagged = sum(1 for r in rows if r["level"])
    summary = f"{closed:,} closed leads; " + (
        f"{flagged} point(s) to review." if flagged else "nothing to review."
    )
    return _section("data_quality", "Data quality", rows, summary, basis)


# ---------------------------------------------------------------- drift (live)


def psi(expected: list[float], actual: list[float], floor: float = 1e-3) -> float:
    """Population stability index of two distributions over the same bins."""
    return sum(
        (a - e) * math.log(a / e)
        for e, a in ((max(e, floor), max(a, floor)) for e, a in zip(expected, actual, strict=True))
    )


def drift(model: ScoringModel, program: ScoringProgram) -> dict:
    """Today's scores against the holdout's deciles (PSI), and how often each signal is filled now
    against training."""
    basis = f"current scores by v{model.version} against its holdout; its last {RECENT_DECISIONS:,} decisions"
    rows = []
    deciles = sorted(
        (d for d in (model.metrics or {}).get("lift_by_decile") or [] if "score_min" in d),
        key=lambda d: d["score_min"],
    )
    if len(deciles) >= 2:
        cuts = [d["score_min"] for d in deciles[1:]]
        total = sum(d.get("n", 0) for d in deciles) or 1
        expected = [d.get("n", 0) / total for d in deciles]
        scored = LeadScore.objects.filter(program=program, model=model)
        counts = scored.aggregate(
            n=Count("pk"), **{f"ge{i}": Count("pk", filter=Q(score__gte=cut)) for i, cut in enumerate(cuts)}
        )
        n = counts["n"]
        if n:
            # Leads at or above each decile's floor, lowest decile first; a bin is one floor less the next.
            at_least = [n, *(counts[f"ge{i}"] for i in range(len(cuts))), 0]
            actual = [(here - above) / n for here, above in zip(at_least, at_least[1:], strict=False)]
            value = psi(expected, actual)
            level = ALERT if value >= PSI_ALERT else (WATCH if value >= PSI_WATCH else "")
            verdict = {
                ALERT: "a significant shift: the book no longer looks like the history it learned from; retrain",
                WATCH: "a moderate shift: watch it",
                "": "stable",
            }[level]
            rows.append(_row("Score distribution (PSI)", f"{value:.3f} over {n:,} leads: {verdict}", level))
            rows.append(
                _row(
                    "Top holdout decile",
                    f"{_pct(actual[-1])} of today's leads score in it (expected {_pct(expected[-1])})",
                )
            )
    else:
        rows.append(_row("Score distribution", "the version recorded no holdout deciles to compare with"))
    trained = (model.data_audit or {}).get("completeness") or {}
    recent = list(
        ScoreSnapshot.objects.filter(program=program, model=model)
        .order_by("-id")
        .values_list("inputs", flat=True)[:RECENT_DECISIONS]
    )
    if recent and trained:
        labels = _labels(model)
        shifted = []
        for key, then in trained.items():
            if key not in labels:  # training columns that are not signals (the outcome, the cut-off)
                continue
            now = sum(
                1 for inputs in recent if isinstance(inputs, dict) and inputs.get(key) is not None
            ) / len(recent)
            if abs(now - then) >= FILL_SHIFT:
                shifted.append((abs(now - then), key, then, now))
        for _, key, then, now in sorted(shifted, reverse=True)[:5]:
            rows.append(
                _row(
                    f"{labels.get(key, key)} filled",
                    f"{_pct(now)} of recent decisions, {_pct(then)} in training",
                    WATCH,
                )
            )
        if not shifted:
            rows.append(_row("Signal fill rates", f"within {FILL_SHIFT:.0%} of training for every signal"))
    level_rows = [r for r in rows if r["level"]]
    summary = "No shift past the watch bands." if not level_rows else f"{len(level_rows)} shift(s) to review."
    return _section("drift", "Drift", rows, summary, basis)


# ---------------------------------------------------------------- bias (live)


def _gap_p_value(group: dict, best: dict) -> float:
    """Two-proportion z-test of a group's qualification rate against the best group's (two-sided)."""
    counts = [group["qualified"], best["qualified"]]
    sizes = [group["n"], best["n"]]
    if sum(counts) in (0, sum(sizes)):
        return 1.0
    _, p_value = proportions_ztest(counts, sizes)
    return float(p_value)


def bias(model: ScoringModel, program: ScoringProgram, threshold: float | None = None) -> dict:
    """Per country, source, seniority, region, rep (and the attributes ops staff chose), over closed leads
    as the version scores them: how often each group
    qualifies (Warm or better) against the best-qualified group (the four-fifths rule), next to how often
    it actually wins, so a gap the outcomes do not explain stands out. A flagged group carries its Wilson
    95 % interval and the two-proportion z-test p-value against the best group; an unexplained gap that is
    not significant is a watch, not an alert."""
    won = won_statuses(program)
    threshold = qualification_threshold(tiers_for(program=program))
    basis = (
        f"closed leads scored by v{model.version}; groups of {MIN_GROUP}+; qualified = score {threshold:g}+"
    )
    closed = LeadScore.objects.filter(program=program, model=model, lead__status__in=[*won, Lead.Status.LOST])
    rows = []
    dimensions = [
        *BIAS_DIMENSIONS,
        *((f"attributes__{key}", key) for key in getattr(settings, "BIAS_ATTRIBUTES", ())),
    ]
    for field, title in dimensions:
        # Attribute keys may hold spaces: read as JSON text under one alias, like every other dimension.
        group = (
            KeyTextTransform(field.removeprefix("attributes__"), "lead__attributes")
            if field.startswith("attributes__")
            else F(f"lead__{field}")
        )
        groups = [
            g
            for g in closed.annotate(group=group)
            .values("group")
            .annotate(
                n=Count("pk"),
                qualified=Count("pk", filter=Q(score__gte=threshold)),
                wins=Count("pk", filter=Q(lead__status__in=won)),
            )
            .order_by()
            if g["n"] >= MIN_GROUP
        ]
        if len(groups) < 2:
            rows.append(
                _row(title, f"fewer than two groups with {MIN_GROUP}+ closed leads: nothing to compare")
            )
            continue
        for g in groups:
            g["selection"], g["win_rate"] = g["qualified"] / g["n"], g["wins"] / g["n"]
        best = max(groups, key=lambda g: g["selection"])
        flagged = 0
        for g in sorted(groups, key=lambda g: g["selection"]):
            ratio = g["selection"] / best["selection"] if best["selection"] else 1.0
            if ratio >= FOUR_FIFTHS:
                continue
            flagged += 1
            unexplained = best["win_rate"] and g["win_rate"] >= FOUR_FIFTHS * best["win_rate"]
            low, high = proportion_confint(g["qualified"], g["n"], alpha=SIGNIFICANCE, method="wilson")
            p_value = _gap_p_value(g, best)
            significant = p_value < SIGNIFICANCE
            verdict = ": the outcomes do not explain the gap" if unexplained else ": it also wins less"
            if not significant:
                verdict += f" (not significant at p < {SIGNIFICANCE:g})"
            rows.append(
                _row(
                    f"{title}: {g['group'] or '(unknown)'}",
                    f"qualified {_pct(g['selection'])} (95 % CI {_pct(low)}–{_pct(high)}, n={g['n']}) vs "
                    f"{_pct(best['selection'])} ({best['group'] or '(unknown)'}), ratio {ratio:.2f}, "
                    f"p={p_value:.3g}; wins {_pct(g['win_rate'])} vs {_pct(best['win_rate'])}" + verdict,
                    (ALERT if significant else WATCH) if unexplained else "",
                )
            )
        if not flagged:
            low = min(groups, key=lambda g: g["selection"])
            rows.append(
                _row(
                    title,
                    f"{len(groups)} groups; every one qualifies at {FOUR_FIFTHS:.0%}+ of the best "
                    f"(lowest {low['group'] or '(unknown)'} at {_pct(low['selection'])})",
                )
            )
    flagged_rows = [r for r in rows if r["level"]]
    summary = (
        "No group qualifies under four fifths of the best group's rate without winning less."
        if not flagged_rows
        else f"{len(flagged_rows)} group(s) qualify under four fifths of the best group's rate, "
        "though they win about as often."
    )
    return _section("bias", "Bias and fairness", rows, summary, basis)


# ---------------------------------------------------------------- errors (holdout + reps)


def errors(model: ScoringModel, program: ScoringProgram, threshold: float | None = None) -> dict:
    """False positives and negatives on the holdout at the Hot and Warm cut-offs, and the ones reps
    reported since: 'bad fit' on a lead the model ranks Warm or better, 'good lead' on one below."""
    metrics = model.metrics or {}
    basis = f"the holdout of v{model.version} ({metrics.get('n_test', '?')} leads); reps' feedback, {FEEDBACK_DAYS} days"
    rows = []
    for key in ("hot", "warm"):
        tier = (metrics.get("tiers") or {}).get(key)
        if not isinstance(tier, dict) or "fp" not in tier:
            continue
        name = tier.get("name") or key.title()
        rows.append(
            _row(
                f"{name} or better, holdout",
                f"{tier['fp']} false positives (flagged, lost), {tier['fn']} false negatives (won, not flagged); "
                f"precision {_pct(tier.get('precision') or 0)}, recall {_pct(tier.get('recall') or 0)}",
            )
        )
    if not rows:
        rows.append(_row("Holdout", "no confusion counts recorded for this version"))
    threshold = _threshold(program) if threshold is None else threshold
    since = timezone.now() - timedelta(days=FEEDBACK_DAYS)
    verdicts = dict(
        LeadFeedback.objects.filter(created_at__gte=since)
        .values_list("lead_id", "verdict")
        .order_by("created_at")
    )
    if verdicts:
        scores = dict(
            LeadScore.objects.filter(program=program, lead_id__in=verdicts).values_list("lead_id", "score")
        )
        false_pos = sum(
            1
            for lead, v in verdicts.items()
            if v == LeadFeedback.Verdict.BAD_FIT and scores.get(lead, 0) >= threshold
        )
        false_neg = sum(
            1
            for lead, v in verdicts.items()
            if v == LeadFeedback.Verdict.GOOD and scores.get(lead, 100) < threshold
        )
        share = (false_pos + false_neg) / len(verdicts)
        rows.append(
            _row(
                "Reported by reps",
                f"{len(verdicts):,} leads judged: {false_pos} 'bad fit' scored {threshold:g}+, "
                f"{false_neg} 'good lead' scored under {threshold:g} ({_pct(share)} disagree with the model)",
                WATCH if len(verdicts) >= 10 and share >= 0.3 else "",
            )
        )
    else:
        rows.append(_row("Reported by reps", f"no feedback in the last {FEEDBACK_DAYS} days"))
    summary = "Wrong calls at the Hot and Warm cut-offs on the holdout, and the ones reps reported since."
    return _section("errors", "Errors: false positives and negatives", rows, summary, basis)


def model_audit(model: ScoringModel | None, program: ScoringProgram) -> list[dict]:
    """The four sections, in the order the page shows them; empty when no version is trained."""
    if model is None:
        return []
    threshold = _threshold(program)
    return [
        data_quality(model),
        drift(model, program),
        bias(model, program, threshold),
        errors(model, program, threshold),
    ]


def _threshold(program: ScoringProgram) -> float:
    """Qualified means Warm or better, as on the dashboard."""
    return qualification_threshold(tiers_for(program=program))
