"""`--explain RULE` and `--list-rules`: a rule's record, or the list of them, as text for a reader."""

from __future__ import annotations

from collections.abc import Callable


def explain_rule(rule: str, words: Callable[[str], str] | None = None) -> str:
    """The rule's record for a reader, in the words of the platform given (default: the guide's)."""
    from chaimeleon_lint import catalogue

    cat = catalogue.load()
    spec = cat.rules[cat.resolve(rule)]  # type: ignore[index]
    if words is not None:
        spec = spec._replace(title=words(spec.title), summary=words(spec.summary), why=words(spec.why),
                             guide=words(spec.guide), fix=words(spec.fix), limits=words(spec.limits),
                             examples=tuple(e._replace(dockerfile=words(e.dockerfile),
                                                       before=words(e.before) if e.before else e.before)
                                            for e in spec.examples))
    parts = [f"{spec.id} {spec.slug} ({spec.severity.label}): {spec.title}", "", spec.summary, "",
             "Why:", spec.why]
    if spec.guide:
        source = "The guide says:" if not spec.profiles else "The convention asks that"
        parts += ["", source, "  " + spec.guide.strip().replace("\n", "\n  ")]
    if spec.profiles:
        parts += ["", f"Judged under the {', '.join(spec.profiles)} profile only."]
    parts += ["", "Fix:", spec.fix]
    for example in spec.examples:
        if example.request is not None:
            parts += ["", f"{example.verdict.capitalize()} example, the request:",
                      "  " + example.request.strip().replace("\n", "\n  "), "and the Dockerfile it points at:"]
        elif example.before is not None:
            parts += ["", f"{example.verdict.capitalize()} example, at the ref:",
                      "  " + example.before.strip().replace("\n", "\n  "), "and now:"]
        else:
            parts += ["", f"{example.verdict.capitalize()} example:"]
        parts.append("  " + example.dockerfile.strip().replace("\n", "\n  "))
    if spec.limits:
        parts += ["", "Limits:", spec.limits]
    if spec.phase in ("submission", "integration"):  # about a submission's files, not a Dockerfile's lines
        parts += ["", f"Suppress: chaimeleon-lint toolbox --ignore {spec.id}"]
    else:
        parts += ["", f"Suppress: # chaimeleon-lint: ignore={spec.id}  (on the line before the instruction, or before the "
                      f"line of a start-up script)",
                  f"          # chaimeleon-lint: file-ignore={spec.id}  (anywhere: the whole file, and findings about "
                  "the whole image)"]
    return "\n".join(parts) + "\n"


def list_rules() -> str:
    from chaimeleon_lint import catalogue

    rows = [f"{s.id:<7}  {s.severity.label:<7}  {s.slug:<32}  {s.title}" for s in catalogue.load().rules.values()]
    return "\n".join(rows) + "\n"
