"""The twelve sections of the model document, each rendered from a `ModelDocument` into Markdown.

Each section reads the engine's own shapes (the contracts and the `to_dict()` of audit, analysis,
scorecard, cutoffs) by their canonical keys; a part that is missing says so instead of failing.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tabular import delimiter_name

from ..contracts import Factor, Metrics
from ..tiers import DEFAULT_TIERS, default_tiers
from . import formatting as fmt
from .document import SECTIONS, ModelDocument
from .formatting import NOT_AVAILABLE


def render_report(doc: ModelDocument) -> str:
    """The model document as Markdown (the text of `lead-scoring-model.md`)."""
    parts = [
        _header(doc),
        _executive_summary(doc),
        _data_foundation(doc),
        _patterns(doc),
        _model(doc),
        _thresholds(doc),
        _sla(doc),
        _transitions(doc),
        _mapping(doc),
        _validation(doc),
        _monitoring(doc),
        _batch(doc),
        _history(doc),
    ]
    return "\n\n".join(part.strip() for part in parts) + "\n"


# Header and summary ------------------------------------------------------------------------------


def _base_rate(doc: ModelDocument) -> float | None:
    if doc.base_rate is not None:
        return doc.base_rate
    if doc.n_rows and doc.n_won is not None:
        return doc.n_won / doc.n_rows
    for base_rate in (
        doc.audit.get("base_rate"),
        doc.analysis.get("base_rate"),
        doc.validation.base_rate if doc.validation else None,
    ):
        if base_rate is not None:
            return base_rate
    return None


def _created(doc: ModelDocument) -> dt.date:
    return doc.created or dt.date.today()


def _next_recalibration(doc: ModelDocument) -> dt.date:
    created = _created(doc)
    if doc.next_recalibration:
        return doc.next_recalibration
    day = created.date() if isinstance(created, dt.datetime) else created
    return day + dt.timedelta(days=doc.recalibration_days)


def _data_basis(doc: ModelDocument) -> str:
    n_rows = doc.n_rows if doc.n_rows is not None else doc.audit.get("n_closed")
    n_won = doc.n_won if doc.n_won is not None else doc.audit.get("n_won")
    if n_rows is None:
        return "not available"
    text = f"{n_rows:,} closed leads"
    if n_won is not None:
        lost = doc.n_lost if doc.n_lost is not None else n_rows - n_won
        text += f" ({n_won:,} won, {lost:,} lost)"
    if doc.date_range and any(doc.date_range):
        first, last = doc.date_range[0], doc.date_range[-1]
        text += f", closed {fmt.date(first)} to {fmt.date(last)}"
    else:
        text += ", no close dates (a snapshot)"
    return text


def _header(doc: ModelDocument) -> str:
    kind = _model_kind(doc)
    rows = [
        ("Version", doc.version),
        ("Created", fmt.date(_created(doc))),
        ("Model", f"{doc.model_name} ({kind})" if kind else doc.model_name),
        ("Outcome", doc.outcome or "not available"),
        ("Data basis", _data_basis(doc)),
        ("Base rate", fmt.pct(_base_rate(doc))),
        ("Confidence", doc.confidence or doc.audit.get("confidence") or "not available"),
        ("Next recalibration", fmt.date(_next_recalibration(doc))),
    ]
    source = doc.source or {}
    if source:
        rows.insert(
            5,
            (
                "Source",
                f"lead id `{source.get('id') or 'none given'}`; close date `{source.get('date') or 'none given'}`"
                + (
                    f"; read as {source['encoding']}, {delimiter_name(source['delimiter'])}-separated"
                    if source.get("encoding") and source.get("delimiter")
                    else ""
                )
                + (f"; {fmt.integer(source['open_rows'])} open deals scored, not trained on"
                   if source.get("open_rows") else ""),
            ),
        )  # fmt: skip
    return f"# Lead scoring model: {doc.model_name}, version {doc.version}\n\n" + fmt.table(
        ["", ""], [[f"**{name}**", value] for name, value in rows]
    )


def _model_kind(doc: ModelDocument) -> str:
    if doc.model_kind:
        return doc.model_kind
    if doc.learner.get("kind"):
        return str(doc.learner["kind"])
    return "points" if doc.points else ""


def _executive_summary(doc: ModelDocument) -> str:
    lines = [_heading(1)]
    validation = doc.validation or Metrics()
    if validation.verdict_text or validation.verdict:
        lines.append(f"**Verdict.** {validation.verdict_text or validation.verdict}")
    else:
        lines.append("**Verdict.** Not available: the model has not been validated on a holdout.")
    bullets = []
    if validation.auc is not None:
        bullets.append(
            f"It ranks a random won lead above a random lost one {fmt.pct(validation.auc)} of the time "
            f"(ROC AUC {fmt.num(validation.auc, 3)}, 95 % CI {fmt.ci(validation.auc_ci)}; 50 % is a coin toss)."
        )
    if validation.brier is not None:
        bullets.append(
            f"Its win probabilities score a Brier of {fmt.num(validation.brier, 4)} against "
            f"{fmt.num(validation.brier_constant, 4)} for always predicting the base rate "
            f"(skill {fmt.pct(validation.brier_skill)})."
        )
    if validation.lift_top_decile is not None:
        bullets.append(
            f"The top 10 % of leads by score win {fmt.num(validation.lift_top_decile, 1)} times as often "
            f"as the average lead."
        )
    expected = (doc.cutoffs or {}).get("expected") or []
    if expected and expected[0].get("n"):
        top = expected[0]
        bullets.append(
            f"The {top.get('name', 'Hot')} tier holds {fmt.pct(top.get('share_of_leads'))} of leads and "
            f"{fmt.pct(top.get('share_of_wins'))} of wins; its expected win rate is "
            f"{fmt.pct_interval(top)}."
        )
    ranking = [row for row in doc.analysis.get("ranking") or [] if row.get("best_lift") is not None]
    if ranking:
        # The most informative attributes overall, each with its best value: a rare value with a huge lift
        # says less about the pipeline than a common one with a solid lift.
        bullets.append(
            "Most predictive attributes: "
            + "; ".join(
                f"`{row['attribute']}` (best value {fmt.cell(row.get('best_value'))}, "
                f"lift {fmt.num(row['best_lift'], 2)})"
                for row in ranking[:3]
            )
            + "."
        )
    elif drivers := _top_attributes(doc.analysis, 3):
        bullets.append(
            "Strongest signals of a win: "
            + "; ".join(f"{_attribute_label(row)} (lift {fmt.num(row['lift'], 2)})" for row in drivers)
            + "."
        )
    if doc.tiers_withheld:
        bullets.append(
            "Tiers are withheld: every lead is “Unscored: no signal in the history”. What would help: more "
            "closed deals (both won and lost), and signals known before first contact that differ between "
            "them (source, firmographics, early activity); check the outcome column labels the right deals."
        )
    suspects = [
        row
        for row in doc.audit.get("leakage") or []
        if row.get("status") == "suspected" and not row.get("kept")
    ]
    if suspects:
        bullets.append(
            f"{len(suspects)} column(s) are suspected of being recorded after first contact and stay in until a "
            "person confirms or clears each: " + ", ".join(f"`{row['column']}`" for row in suspects) + "."
        )
    leaks = [
        row
        for row in doc.audit.get("leakage") or []
        if not row.get("kept") and row.get("status") != "suspected"
    ]
    if leaks:
        bullets.append(
            f"{len(leaks)} column(s) were left out as leakage (known only after the outcome): "
            + ", ".join(f"`{row['column']}`" for row in leaks)
            + "."
        )
    gates = validation.gates
    if gates:
        passed = sum(1 for gate in gates.values() if gate.get("passed"))
        bullets.append(f"{passed} of {len(gates)} validation targets met.")
    lines.append("\n".join(f"- {bullet}" for bullet in bullets) if bullets else NOT_AVAILABLE)
    return "\n\n".join(lines)


# Data and patterns -------------------------------------------------------------------------------


def _data_foundation(doc: ModelDocument) -> str:
    audit = doc.audit
    lines = [_heading(2), f"**Data basis:** {_data_basis(doc)}. **Base rate:** {fmt.pct(_base_rate(doc))}."]
    if not audit:
        lines.append(f"Data audit: {NOT_AVAILABLE}")
        return "\n\n".join(lines)

    lines.append(f"**Sample size:** {_sample_size_text(audit)}")
    if audit.get("n_open"):
        lines.append(
            f"{fmt.integer(audit['n_open'])} leads are still open: they are scored, never trained on."
        )

    completeness = [(str(k), float(v)) for k, v in (audit.get("completeness") or {}).items() if fmt.finite(v)]
    lines.append("### Completeness")
    if completeness:
        worst = sorted(completeness, key=lambda row: row[1])[:15]
        lines.append(
            "The least complete fields (share of rows with a value, after missing-value tokens):\n\n"
            + fmt.table(["Field", "Complete"], [[f"`{name}`", fmt.pct(share)] for name, share in worst])
        )
    else:
        lines.append(NOT_AVAILABLE)

    lines.append("### Duplicates, errors and outliers")
    facts = []
    duplicates = {kind: count for kind, count in (audit.get("duplicates") or {}).items() if count}
    if duplicates:
        facts.append(
            "Duplicates: "
            + ", ".join(f"{fmt.integer(count)} duplicate {kind}" for kind, count in duplicates.items())
            + "."
        )
    facts.extend(f"Error: {fmt.cell(error)}" for error in audit.get("errors") or [])
    lines.append("\n".join(f"- {fact}" for fact in facts) if facts else "No duplicates or errors found.")
    outliers = audit.get("outliers") or {}
    if outliers:
        lines.append(
            "Outliers (beyond three interquartile ranges; kept, since the binning absorbs them):\n\n"
            + fmt.table(
                ["Field", "Outliers", "Upper fence", "Largest value"],
                [
                    [f"`{column}`", fmt.integer(detail.get("n")), fmt.num(detail.get("upper_fence"), 1),
                     fmt.num(detail.get("max"), 1)]
                    for column, detail in outliers.items()
                ],
            )
        )  # fmt: skip

    lines.append("### Leakage screening")
    leaks = audit.get("leakage") or []
    if leaks:
        lines.append(
            "Columns that give the outcome away: a model using them looks excellent on history and is useless "
            "on a new lead, so they are left out of training unless ops staff keep them on purpose. Suspected "
            "columns stay in until a person confirms (post_outcome in the mapping) or clears (--keep-leaky) "
            "each; until then the model is not called deployable.\n\n"
            + fmt.table(
                ["Column", "Status", "Found by", "Why", "AUC alone", "In training"],
                [
                    [
                        f"`{row['column']}`",
                        "suspected" if row.get("status") == "suspected" else "leakage",
                        "the mapping" if row.get("source") == "mapping" else "the data",
                        fmt.cell(row.get("reason", "")),
                        fmt.num(row.get("single_column_auc"), 3),
                        "**yes**" if row.get("kept") or row.get("status") == "suspected" else "no",
                    ]
                    for row in leaks
                ],
            )
        )
    else:
        lines.append("No column was flagged as leaking the outcome.")
    post_outcome = [
        column
        for column in doc.field_mapping.get("post_outcome") or []
        if column not in {row["column"] for row in leaks}
    ]
    if post_outcome:
        lines.append(
            "Marked in the field mapping as known only after the outcome, and left out: "
            + ", ".join(f"`{column}`" for column in post_outcome)
            + "."
        )

    lines.append("### Columns left out of training")
    excluded = audit.get("excluded") or {}
    if excluded:
        lines.append(
            fmt.table(
                ["Column", "Why"], [[f"`{column}`", fmt.cell(reason)] for column, reason in excluded.items()]
            )
        )
    else:
        lines.append("None.")

    lines.append("### Limitations")
    limitations = []
    limitations.extend(str(warning) for warning in audit.get("warnings") or [])
    if not doc.date_range or not any(doc.date_range):
        limitations.append(
            "No close dates: the split is random, not by time, so the holdout does not show how the "
            "model ages; recency and decay cannot be learned from this history."
        )
    lines.append("\n".join(f"- {fmt.cell(item)}" for item in limitations) if limitations else NOT_AVAILABLE)
    return "\n\n".join(lines)


def _sample_size_text(audit: dict) -> str:
    n_closed, level = audit.get("n_closed"), audit.get("confidence")
    if n_closed is None and level is None:
        return "not available"
    meaning = {
        "refuse": "too few to fit a learner (at least 50 are needed)",
        "low": "enough to fit, but every score carries low confidence (below 200)",
        "adequate": "adequate (200 or more)",
    }.get(str(level), str(level or ""))
    return f"{fmt.integer(n_closed)} closed deals: {meaning}."


def _patterns(doc: ModelDocument) -> str:
    analysis = doc.analysis
    base_rate = _base_rate(doc)
    lines = [_heading(3)]
    if not analysis:
        lines.append(f"Win/loss analysis: {NOT_AVAILABLE}")
        return "\n\n".join(lines)
    base_ci = analysis.get("base_rate_ci")
    lines.append(
        f"Base rate {fmt.pct(base_rate)}"
        + (f" (95 % CI {fmt.pct(base_ci[0])}-{fmt.pct(base_ci[1])})" if base_ci and len(base_ci) == 2 else "")
        + ". Lift is a value's win rate divided by the base rate; p-values come from a two-proportion z-test "
        "(present against absent), adjusted for the number of values tested (false discovery rate)."
    )
    lines.append("### Top attributes by lift")
    top = _top_attributes(analysis, 15)
    lines.append(
        fmt.table(
            ["Attribute", "Leads", "Won", "Win rate (95 % CI)", "Lift", "p (adjusted)"],
            [
                [
                    _attribute_label(row),
                    fmt.integer(row["n"]),
                    fmt.integer(row["won"]),
                    fmt.pct_interval(row),
                    fmt.num(row["lift"], 2),
                    fmt.p_value(row.get("p_adjusted")),
                ]
                for row in top
            ],
        )
        if top
        else NOT_AVAILABLE
    )
    lines.append("### Strongest signals of a loss")
    bottom = _bottom_attributes(analysis, 10)
    lines.append(
        fmt.table(
            ["Attribute", "Leads", "Win rate (95 % CI)", "Lift", "p (adjusted)"],
            [
                [
                    _attribute_label(row),
                    fmt.integer(row["n"]),
                    fmt.pct_interval(row),
                    fmt.num(row["lift"], 2),
                    fmt.p_value(row.get("p_adjusted")),
                ]
                for row in bottom
            ],
        )
        if bottom
        else NOT_AVAILABLE
    )
    lines.append("### Attributes ranked by predictive power")
    ranking = analysis.get("ranking") or []
    lines.append(
        fmt.table(
            [
                "Attribute",
                "Information value",
                "Best value (lift)",
                "Worst value (lift)",
                "Significant values",
            ],
            [
                [
                    f"`{row['attribute']}`",
                    fmt.num(row.get("information_value"), 3),
                    f"{fmt.cell(row.get('best_value'))} ({fmt.num(row.get('best_lift'), 2)})",
                    f"{fmt.cell(row.get('worst_value'))} ({fmt.num(row.get('worst_lift'), 2)})",
                    fmt.integer(row.get("significant_values")),
                ]
                for row in ranking[:20]
            ],
        )
        if ranking
        else NOT_AVAILABLE
    )
    lines.append("### Attributes that do not predict")
    non_predictors = analysis.get("non_predictors") or []
    if non_predictors:
        lines.append(
            "No value differs significantly from the base rate, so they earn no points: "
            + ", ".join(f"`{name}`" for name in non_predictors)
            + "."
        )
    else:
        lines.append("Every attribute analysed has at least one value that predicts.")
    lines.append("### Interaction effects")
    interactions = analysis.get("interactions") or []
    if interactions:
        lines.append(
            "Pairs whose joint win rate differs from what the two would give independently (interaction = "
            "observed / expected win rate, the expected one adding the two values' log-odds effects; above 1 "
            "they reinforce each other). Each pair has at least 30 deals; p is an exact binomial test, "
            "adjusted for every pair tested (Benjamini-Hochberg); pairs that describe the same deals are "
            "left out:\n\n" + fmt.generic_table(interactions[:15])
        )
    else:
        lines.append(NOT_AVAILABLE)
    lines.append("### Loss reasons")
    reasons = analysis.get("loss_reasons") or []
    lines.append(
        fmt.generic_table(reasons[:15]) if reasons else "Not available: the history holds no loss reasons."
    )
    notes = analysis.get("notes") or []
    if notes:
        lines.append("\n".join(f"- {fmt.cell(note)}" for note in notes))
    return "\n\n".join(lines)


# The model and its tiers -------------------------------------------------------------------------


def _model(doc: ModelDocument) -> str:
    lines = [_heading(4), f"**Model kind:** {_model_kind(doc) or 'not available'}."]
    learner = {key: value for key, value in doc.learner.items() if value not in (None, [], {})}
    if learner and not (set(learner) <= {"kind"} and learner.get("kind") == "points"):
        lines.append("### Learner")
        core = learner.get("learner") or learner  # a hybrid describes its learner inside
        facts = [f"Algorithm: {core.get('kind', 'not available')}"]
        if core.get("calibration"):
            facts.append(f"probabilities calibrated ({core['calibration']})")
        if core.get("n_train"):
            facts.append(f"fitted on {fmt.integer(core['n_train'])} closed leads")
        lines.append(", ".join(facts) + ".")
        if core.get("params"):
            lines.append(fmt.table(["Setting", "Value"], [[f"`{k}`", v] for k, v in core["params"].items()]))
        guardrails = learner.get("guardrails") or []
        if guardrails:
            lines.append("Rule guardrails applied on top of the learner:\n\n" + fmt.generic_table(guardrails))
        candidates = learner.get("candidates") or []
        if candidates:
            lines.append(
                "Candidates compared on a validation fold of the training part:\n\n"
                + fmt.generic_table(candidates)
            )

    lines.append("### Points by dimension")
    points = doc.points
    signals = points.get("signals") or []
    if not signals:
        lines.append(NOT_AVAILABLE)
        return "\n\n".join(lines)
    base_rate = _base_rate(doc)
    lines.append(
        f"Every lead starts at {fmt.num(points.get('base'), 1)} points; each signal adds or removes the points "
        "of the band the lead falls in. Points are traced to the band's measured effect: its win rate "
        "against the base rate (lift) and its weight of evidence (log-odds of a win in the band minus the "
        "overall log-odds), weighted jointly so correlated signals are not counted twice. A dimension's "
        "positive points stop at its cap so no single kind of evidence dominates."
    )
    caps = points.get("caps") or {}
    by_dimension: dict[str, list] = {}
    for row in signals:
        by_dimension.setdefault(row.get("dimension", "other"), []).append(row)
    order = ["firmographic", "behavioral", "engagement", "intent", "negative"]
    for dimension in sorted(by_dimension, key=lambda d: (order.index(d) if d in order else len(order), d)):
        cap = caps.get(dimension)
        title = f"#### {dimension.capitalize()}" + (
            f" (cap {fmt.num(cap, 1)} points)" if cap is not None else ""
        )
        rows = [
            [
                f"`{row.get('signal', '')}`",
                fmt.cell(row.get("bin", "")),
                fmt.signed(row.get("points")),
                fmt.integer(row.get("n")),
                fmt.pct(row.get("win_rate")),
                fmt.num(row["win_rate"] / base_rate, 2)
                if row.get("win_rate") is not None and base_rate
                else "n/a",
                fmt.num(row.get("woe"), 3),
            ]
            for row in by_dimension[dimension]
        ]
        lines.append(
            title + "\n\n" + fmt.table(["Signal", "Band", "Points", "Leads", "Win rate", "Lift", "WoE"], rows)
        )
    dropped = points.get("dropped") or {}
    if dropped:
        lines.append(
            "Signals without points, and why:\n\n"
            + fmt.table(
                ["Signal", "Why"], [[f"`{name}`", fmt.cell(reason)] for name, reason in dropped.items()]
            )
        )
    return "\n\n".join(lines)


WITHHELD = (
    "Withheld: the model is no better than the base rate, so no tier, SLA or expected conversion can be "
    "defended. Every lead is “Unscored: no signal in the history”."
)


def _thresholds(doc: ModelDocument) -> str:
    lines = [_heading(5)]
    cutoffs = doc.cutoffs
    if doc.tiers_withheld:
        lines.append(WITHHELD)
        return "\n\n".join(lines)
    if not cutoffs:
        lines.append(NOT_AVAILABLE)
        return "\n\n".join(lines)
    names = cutoffs.get("names") or [tier[0] for tier in DEFAULT_TIERS]
    bounds = [cutoffs.get("hot"), cutoffs.get("warm"), cutoffs.get("cool")]
    lines.append(
        "A lead is in the highest tier whose lower bound its score reaches: "
        + ", ".join(f"{names[i]} at {fmt.num(bounds[i], 1)} or more" for i in range(3))
        + f", {names[3]} below {fmt.num(bounds[2], 1)}."
    )
    method = cutoffs.get("method") or {}
    if method:
        lines.append(
            "How each bound was chosen:\n\n"
            + "\n".join(
                f"- {names[i]}: {method[key]}"
                for i, key in enumerate(("hot", "warm", "cool"))
                if key in method
            )
        )
    expected = cutoffs.get("expected") or []
    if expected:
        lines.append(
            "Expected conversion per tier, measured on the holdout:\n\n"
            + fmt.table(
                [
                    "Tier",
                    "Score",
                    "Leads",
                    "Share of leads",
                    "Won",
                    "Win rate (95 % CI)",
                    "Share of wins",
                    "Lift",
                ],
                [
                    [
                        row.get("name", ""),
                        f"{fmt.num(row.get('lower'), 1)}-{fmt.num(row.get('upper'), 1)}",
                        fmt.integer(row.get("n")),
                        fmt.pct(row.get("share_of_leads")),
                        fmt.integer(row.get("won")),
                        fmt.pct_interval(row),
                        fmt.pct(row.get("share_of_wins")),
                        fmt.num(row.get("lift"), 2),
                    ]
                    for row in expected
                ],
            )
        )
    lines.append("### Score distribution of won and lost leads")
    distribution = doc.score_distribution
    if distribution.get("edges"):
        lines.append(fmt.won_lost_histogram(distribution))
    else:
        lines.append(NOT_AVAILABLE)
    return "\n\n".join(lines)


def _sla(doc: ModelDocument) -> str:
    tiers = _tiers(doc)
    rows = [
        [tier.get("name", ""), tier.get("sla", ""), tier.get("action", ""), tier.get("rescoring", "")]
        for tier in tiers
    ]
    if doc.tiers_withheld:
        return _heading(6) + "\n\n" + WITHHELD
    return _heading(6) + "\n\n" + fmt.table(["Tier", "SLA", "Recommended action", "Re-scoring"], rows)


def _tiers(doc: ModelDocument) -> list[dict]:
    tiers = [dict(tier) for tier in (doc.tiers or default_tiers())]
    names = (doc.cutoffs or {}).get("names")
    # Renamed tiers keep the defaults of their position, so a renamed Hot still gets Hot's SLA.
    if names and len(names) == len(tiers):
        for tier, name in zip(tiers, names, strict=True):
            if tier.get("name") not in names:
                tier["name"] = name
    return tiers


def _transitions(doc: ModelDocument) -> str:
    cutoffs = doc.cutoffs or {}
    band = cutoffs.get("hysteresis")
    names = cutoffs.get("names") or [tier[0] for tier in DEFAULT_TIERS]
    lines = [_heading(7)]
    if band is not None:
        lines.append(
            f"**Hysteresis band: {fmt.num(band, 1)} points.** A lead keeps its tier until its score passes a "
            f"boundary by more than {fmt.num(band, 1)} points, so a lead hovering around a cut-off does not flip "
            f"tiers (and restart its SLA clock) on every re-score. Example: with {names[0]} from "
            f"{fmt.num(cutoffs.get('hot'), 1)}, a {names[1]} lead becomes {names[0]} at "
            f"{fmt.num((cutoffs.get('hot') or 0) + band, 1)} or more, and a {names[0]} lead drops to {names[1]} "
            f"below {fmt.num((cutoffs.get('hot') or 0) - band, 1)}."
        )
    else:
        lines.append(f"Hysteresis band: {NOT_AVAILABLE}")
    lines.append(
        "**When a lead is re-scored:**\n\n"
        "- when it is created, and at once when an activity event arrives (real time);\n"
        "- on the cadence of its tier (below), so behavioral signals decay even when nothing happens;\n"
        "- in a full batch re-score when a new model version is deployed."
    )
    lines.append(
        fmt.table(
            ["Tier", "Re-scoring cadence"],
            [[tier.get("name", ""), tier.get("rescoring", "")] for tier in _tiers(doc)],
        )
    )
    lines.append(
        "A lead that moves up changes tier at once (a new Hot lead starts its SLA clock). A lead with no new "
        "activity decays and moves down on its next scheduled re-score; every change is recorded with its "
        "inputs and the model version."
    )
    return "\n\n".join(lines)


def _mapping(doc: ModelDocument) -> str:
    mapping = doc.field_mapping or {}
    lines = [_heading(8), "### Source fields"]
    if mapping:
        outcome = mapping.get("outcome") or {}
        facts = [
            f"Outcome column: `{outcome.get('column', 'n/a')}`; won when "
            + (", ".join(f"`{value}`" for value in outcome.get("won") or []) or "n/a")
            + (
                ("; lost when " + ", ".join(f"`{value}`" for value in outcome["lost"]))
                if outcome.get("lost")
                else ""
            ),
            f"Lead id: `{mapping.get('id') or 'n/a'}`; close date: `{mapping.get('date') or 'none'}`",
        ]
        if mapping.get("missing_values"):
            facts.append(
                "Read as missing: "
                + ", ".join(
                    f"`{value}`" if value != "" else "an empty cell" for value in mapping["missing_values"]
                )
            )
        if mapping.get("post_outcome"):
            facts.append(
                "Known only after the outcome (never scored): "
                + ", ".join(f"`{c}`" for c in mapping["post_outcome"])
            )
        if mapping.get("ignore"):
            facts.append("Ignored: " + ", ".join(f"`{c}`" for c in mapping["ignore"]))
        lines.append("\n".join(f"- {fact}" for fact in facts))
        fields = mapping.get("fields") or {}
        if fields:
            lines.append(
                fmt.table(["CRM field", "Source column"], [[f"`{k}`", f"`{v}`"] for k, v in fields.items()])
            )
        lines.append("Every other column is a candidate signal under its own name.")
    else:
        lines.append(NOT_AVAILABLE)
    lines.append("### What each score carries")
    lines.append(
        "Every score is stored with these fields and returned by the API with the lead (nothing is written "
        "back to a CRM):\n\n"
        + fmt.table(
            ["Field", "Meaning"],
            [
                ["`score`", "0-100 score"],
                ["`tier`", "Tier name (" + ", ".join(tier.get("name", "") for tier in _tiers(doc)) + ")"],
                ["`probability`", "Calibrated probability of a win (0-1)"],
                ["`confidence`", "How much similar closed history stands behind the score"],
                ["`subtotals`", "Points per dimension"],
                ["`top_factors`", "Top factors for and against, in plain words"],
                [
                    "`missing_signals`",
                    "Signals that could not be evaluated, and how far each could move the score",
                ],
                ["`model_version`", f"Model version that produced the score (this document: {doc.version})"],
                ["`scored_at`", "When the score was computed"],
            ],
        )
    )
    lines.append("### Automation rules")
    tiers = _tiers(doc)
    top = tiers[0].get("name", "Hot") if tiers else "Hot"
    lines.append(
        "\n".join(
            f"- {rule}"
            for rule in (
                f"Entering {top} starts its SLA clock ({tiers[0].get('sla', '') if tiers else ''}): the lead's "
                "record in the API shows when the response is due and whether it is overdue.",
                "Any tier change is recorded with the score, its factors and the model version.",
                "Leads with no activity for the stale period move down one tier on schedule, with the reason "
                "recorded.",
            )
        )
    )
    return "\n\n".join(lines)


# Validation, monitoring, batch scoring, history --------------------------------------------------


def _validation(doc: ModelDocument) -> str:
    validation = doc.validation
    lines = [_heading(9)]
    if validation is None:
        lines.append(NOT_AVAILABLE)
        return "\n\n".join(lines)
    lines.append(
        f"Measured on a holdout of {fmt.integer(validation.n)} closed leads ({fmt.integer(validation.n_won)} won, "
        f"base rate {fmt.pct(validation.base_rate)}) that the model never saw while fitting."
    )
    if validation.verdict_text or validation.verdict:
        lines.append(f"**Verdict.** {validation.verdict_text or validation.verdict}")
    split = doc.time_split
    if split:
        lines.append(
            f"**Random split beside a time split.** On a random holdout the AUC is {fmt.num(validation.auc, 3)} "
            f"and the Brier {fmt.num(validation.brier, 4)}; trained on the older deals and judged on the latest "
            f"{fmt.integer(split.get('n_test'))} (base rate {fmt.pct(split.get('base_rate'))}), a "
            f"{split.get('model')} reaches an AUC of {fmt.num(split.get('auc'), 3)} and a Brier of "
            f"{fmt.num(split.get('brier'), 4)}. A large drop means some signal moves with the calendar and "
            "will not hold for next month's leads."
        )
    metrics = [
        ("ROC AUC", fmt.num(validation.auc, 3) + f" (95 % CI {fmt.ci(validation.auc_ci)})", "auc"),
        ("PR AUC", fmt.num(validation.pr_auc, 3), None),
        ("Brier score", fmt.num(validation.brier, 4), None),
        ("Brier of the base rate", fmt.num(validation.brier_constant, 4), None),
        ("Brier skill", fmt.num(validation.brier_skill, 3), None),
        ("Log loss", fmt.num(validation.log_loss, 4), None),
        ("Accuracy (p >= 0.5)", fmt.pct(validation.accuracy), "accuracy"),
        ("Spearman (score vs outcome)", fmt.num(validation.spearman, 3), "spearman"),
        ("KS", fmt.num(validation.ks, 3) + f" at score {fmt.num(validation.ks_score, 1)}", None),
        ("Lift, top decile", fmt.num(validation.lift_top_decile, 2), None),
    ]
    gates = validation.gates
    rows = []
    for label, value, gate_name in metrics:
        gate = gates.get(gate_name) if gate_name else None
        rows.append([label, value, fmt.gate_target(gate), fmt.gate_result(gate)])
    for gate_name, label in (
        ("hot_precision", "Hot precision"),
        ("hot_recall", "Hot recall"),
        ("f1", "F1 at Warm"),
    ):
        gate = gates.get(gate_name)
        if gate:
            rows.append([label, fmt.num(gate.get("value"), 3), fmt.gate_target(gate), fmt.gate_result(gate)])
    lines.append(fmt.table(["Metric", "Value", "Target", "Result"], rows))
    ceiling = (gates.get("hot_recall") or {}).get("ceiling")
    if ceiling is not None and ceiling < (gates.get("hot_recall") or {}).get("target", 0):
        lines.append(
            f"Hot recall cannot exceed {fmt.num(ceiling, 2)} whatever the model: the Hot tier is too small to hold "
            "half the wins at this base rate. Raise rep capacity or accept the trade-off."
        )

    tiers = validation.tiers
    lines.append("### Precision, recall and F1 at each tier threshold")
    lines.append(
        "A lead counts as predicted won when its score is at or above the tier's lower bound.\n\n"
        + fmt.table(
            ["At or above", "Threshold", "Leads flagged", "Precision", "Recall", "F1", "Accuracy"],
            [
                [
                    figures.get("name", key),
                    fmt.num(figures.get("threshold"), 1),
                    fmt.integer(figures.get("n_flagged")),
                    fmt.pct(figures.get("precision")),
                    fmt.pct(figures.get("recall")),
                    fmt.num(figures.get("f1"), 3),
                    fmt.pct(figures.get("accuracy")),
                ]
                for key, figures in tiers.items()
            ],
        )
        if tiers
        else NOT_AVAILABLE
    )
    lines.append("### Confusion matrices")
    confusion = validation.confusion
    if confusion:
        for key, matrix in confusion.items():
            name = (tiers.get(key) or {}).get("name", key.capitalize())
            lines.append(
                f"At the {name} threshold ({fmt.num(matrix.get('threshold'), 1)}):\n\n"
                + fmt.table(
                    ["", "Predicted won", "Predicted lost"],
                    [
                        ["**Won**", fmt.integer(matrix.get("tp")), fmt.integer(matrix.get("fn"))],
                        ["**Lost**", fmt.integer(matrix.get("fp")), fmt.integer(matrix.get("tn"))],
                    ],
                )
            )
    else:
        lines.append(NOT_AVAILABLE)
    lines.append("### Lift by decile")
    deciles = validation.lift_by_decile
    lines.append(
        fmt.table(
            ["Decile", "Scores", "Leads", "Won", "Win rate", "Lift", "Cumulative share of wins"],
            [
                [
                    fmt.integer(row.get("decile")),
                    f"{fmt.num(row.get('score_min'), 1)}-{fmt.num(row.get('score_max'), 1)}",
                    fmt.integer(row.get("n")),
                    fmt.integer(row.get("won")),
                    fmt.pct(row.get("win_rate")),
                    fmt.num(row.get("lift"), 2),
                    fmt.pct(row.get("cumulative_gain")),
                ]
                for row in deciles
            ],
        )
        if deciles
        else NOT_AVAILABLE
    )
    lines.append("### Calibration")
    if validation.calibration_max_gap is not None:
        lines.append(
            f"Largest gap between predicted and observed win rate over ten equal-count deciles: "
            f"{fmt.num(100 * validation.calibration_max_gap, 1)} points; expected calibration error (the "
            f"lead-weighted mean gap): {fmt.num(100 * validation.ece, 1)} points."
        )
    calibration = validation.calibration
    lines.append(
        "Predicted against observed win rate; a calibrated model's rows sit on the diagonal.\n\n"
        + fmt.table(
            ["Predicted", "Leads", "Mean predicted", "Observed (95 % CI)", "Gap"],
            [
                [
                    f"{fmt.pct(row.get('low'))}-{fmt.pct(row.get('high'))}",
                    fmt.integer(row.get("n")),
                    fmt.pct(row.get("predicted")),
                    fmt.pct_interval(row, "observed"),
                    fmt.signed_pct(row.get("gap")),
                ]
                for row in calibration
            ],
        )
        if calibration
        else NOT_AVAILABLE
    )
    lines.append("### False positives and false negatives")
    cases = doc.error_cases
    for key, title, meaning, sign in (
        ("false_positives", "False positives", "the highest-scored leads that were lost", 1),
        ("false_negatives", "False negatives", "the lowest-scored leads that were won", -1),
    ):
        items = cases.get(key) or []
        if items:
            common = _common_drivers(items, sign)
            lines.append(
                f"**{title}** ({meaning}):"
                + (f" most often {'pushed up' if sign > 0 else 'held down'} by {common}." if common else "")
                + "\n\n"
                + fmt.table(
                    ["Lead", "Score", "What drove the score"],
                    [
                        [
                            fmt.cell(item.get("id")),
                            fmt.num(item.get("score"), 1),
                            fmt.factors(item.get("drivers")),
                        ]
                        for item in items
                    ],
                )
            )
        else:
            lines.append(f"**{title}** ({meaning}): {NOT_AVAILABLE}")
    return "\n\n".join(lines)


def _common_drivers(items: list[dict], sign: int, top: int = 3) -> str:
    """The signals that most often pushed these leads the wrong way, e.g. "`Lead Source` (7 of 10, +10.3)"."""
    tally: dict[str, list[float]] = {}
    for item in items:
        for factor in map(Factor.from_dict, item.get("drivers") or []):
            if factor.points * sign > 0:
                tally.setdefault(factor.signal, []).append(factor.points)
    ranked = sorted(tally.items(), key=lambda entry: (-len(entry[1]), -abs(sum(entry[1]))))[:top]
    return "; ".join(
        f"`{name}` ({len(points)} of {len(items)}, {fmt.signed(sum(points) / len(points))} on average)"
        for name, points in ranked
    )


def _monitoring(doc: ModelDocument) -> str:
    validation = doc.validation or Metrics()
    auc, auc_low = validation.auc, validation.auc_ci[0]
    expected = (doc.cutoffs or {}).get("expected") or []
    targets = validation.gates.get("auc", {}).get("target")
    lines = [_heading(10)]
    lines.append(
        "**Watch, every week:** the score distribution against the holdout's (population stability index per "
        "signal and for the score), the share of leads per tier, data completeness of the signals the model "
        "uses, and the share of leads that cannot be scored."
    )
    lines.append(
        "**Check, every month, on leads closed since deployment:** ROC AUC, Brier score against the base rate, "
        "the calibration table, and each tier's win rate against its expected interval:"
    )
    if expected:
        lines.append(
            fmt.table(
                ["Tier", "Expected win rate", "Investigate below"],
                [
                    [row.get("name", ""), fmt.pct(row.get("win_rate")), fmt.pct(row.get("ci_low"))]
                    for row in expected
                ],
            )
        )
    triggers = [
        f"ROC AUC on newly closed leads below {fmt.num(auc_low, 3)} (the holdout's lower 95 % bound; holdout AUC "
        f"{fmt.num(auc, 3)})"
        if auc_low is not None
        else "ROC AUC on newly closed leads clearly below the holdout's",
        f"ROC AUC below the target of {fmt.num(targets, 2)}"
        if targets is not None
        else "ROC AUC below its target",
        "a tier's win rate below its expected interval for two months running",
        "population stability index of the score above 0.25 (0.10-0.25: watch closely)",
        "a signal's completeness falling by more than 20 points, or a new CRM field or picklist value",
        "a change in the sales process, the offer or the lead sources",
    ]
    lines.append(
        "**Retrain when any of these holds:**\n\n" + "\n".join(f"- {trigger}" for trigger in triggers)
    )
    lines.append(
        f"**Scheduled recalibration:** {fmt.date(_next_recalibration(doc))} at the latest (every "
        f"{doc.recalibration_days} days). A new version is trained on all closed history, validated on a fresh "
        "holdout, run in shadow against the live version, and deployed only when it does at least as well; "
        "the previous version stays one action away for roll-back."
    )
    return "\n\n".join(lines)


def _batch(doc: ModelDocument) -> str:
    lines = [_heading(11)]
    scored = doc.scored
    if doc.tiers_withheld:
        count = 0 if scored is None else len(scored)
        lines.append(
            f"{count:,} current leads, every one “Unscored: no signal in the history” (tiers withheld)."
        )
        return "\n\n".join(lines)
    unscoreable = list(doc.unscoreable)
    if scored is None or len(scored) == 0:
        lines.append(f"Scored leads: {NOT_AVAILABLE}")
    else:
        frame = scored.reset_index() if "id" not in scored.columns else scored
        id_column = "id" if "id" in frame.columns else frame.columns[0]
        # A lead without a score is unscoreable, whatever the caller passed: never rank it as Cold.
        missing = pd.to_numeric(frame["score"], errors="coerce").isna()
        known = {str(item["id"]) for item in unscoreable}
        unscoreable += [
            {"id": lead_id, "reason": "no score: too little data to evaluate"}
            for lead_id in frame.loc[missing, id_column]
            if str(lead_id) not in known
        ]
        frame = frame[~missing]
        factor_column = "top_factors" if "top_factors" in frame.columns else None
        names = [tier.get("name", "") for tier in _tiers(doc)]
        counts = frame["tier"].value_counts() if "tier" in frame.columns else pd.Series(dtype=int)
        lines.append(
            f"{len(frame):,} current leads scored: "
            + ", ".join(f"{name} {int(counts.get(name, 0)):,}" for name in names)
            + "."
        )
        if "evidence" in frame.columns:
            abstained = int((frame["evidence"].astype(str) == "insufficient evidence").sum())
            if abstained:
                lines.append(
                    f'{abstained:,} of them carry the flag "insufficient evidence": too little similar closed '
                    "history stands behind their score, so treat it as a first guess."
                )
        lines.append("### Score histogram\n\n" + fmt.histogram(frame["score"].to_numpy(dtype=float)))
        for name in names:
            members = frame[frame["tier"] == name] if "tier" in frame.columns else frame.iloc[0:0]
            lines.append(f"### {name} leads")
            if members.empty:
                lines.append("No leads in this tier.")
                continue
            ranked = members.sort_values("score", ascending=False, kind="stable")
            shown = ranked.head(doc.rows_per_tier)
            extras = [
                (c, t)
                for c, t in (("probability", "Win probability"), ("confidence", "Confidence"))
                if c in frame
            ]
            columns = ["Rank", "Lead", "Score", *(t for _, t in extras)] + (
                ["Top factors"] if factor_column else []
            )
            rows = [
                [str(rank), fmt.cell(row[id_column]), fmt.num(row["score"], 1)]
                + [fmt.pct(row[c]) if c == "probability" else fmt.confidence(row[c]) for c, _ in extras]
                + ([fmt.factors(row[factor_column])] if factor_column else [])
                for rank, (_, row) in enumerate(shown.iterrows(), start=1)
            ]
            note = "" if len(ranked) <= len(shown) else f"\n\n_Top {len(shown)} of {len(ranked):,} shown._"
            lines.append(fmt.table(columns, rows) + note)
    lines.append("### Leads that could not be scored")
    if unscoreable:
        rows = [[fmt.cell(item["id"]), fmt.cell(item.get("reason", ""))] for item in unscoreable]
        lines.append(fmt.table(["Lead", "Why"], rows))
    else:
        lines.append("None." if scored is not None and len(scored) else NOT_AVAILABLE)
    return "\n\n".join(lines)


def _history(doc: ModelDocument) -> str:
    lines = [_heading(12)]
    history = list(doc.version_history)
    if not any(str(row.get("version")) == str(doc.version) for row in history):
        history.append(
            {
                "version": doc.version,
                "date": fmt.date(_created(doc)),
                "model": _model_kind(doc),
                "auc": doc.validation.auc if doc.validation else None,
                "note": "this document",
            }
        )
    lines.append(fmt.generic_table(history))
    return "\n\n".join(lines)


# Win/loss rows ----------------------------------------------------------------------------------


def _attribute_rows(analysis: dict) -> list[dict]:
    return [row for row in analysis.get("signals") or [] if fmt.finite(row.get("lift"))]


def _top_attributes(analysis: dict, count: int) -> list[dict]:
    rows = [row for row in _attribute_rows(analysis) if row["lift"] > 1]
    significant = [row for row in rows if row.get("significant")]
    return sorted(significant or rows, key=lambda row: -row["lift"])[:count]


def _bottom_attributes(analysis: dict, count: int) -> list[dict]:
    rows = [row for row in _attribute_rows(analysis) if row["lift"] < 1]
    significant = [row for row in rows if row.get("significant")]
    return sorted(significant or rows, key=lambda row: row["lift"])[:count]


def _attribute_label(row: dict) -> str:
    return f"`{row['attribute']}` = {fmt.cell(row['value'])}"


def _heading(number: int) -> str:
    return f"## {number}. {SECTIONS[number - 1]}"
