"""Pure answering rules: typed answer values and conditional display."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from barometer.models import Question

OTHER = "_autre"  # the "Autre, précisez" option of choice questions


@dataclass(frozen=True)
class Value:
    choices: tuple[str, ...] = field(default_factory=tuple)
    text: str = ""
    number: Decimal | None = None

    @property
    def is_empty(self) -> bool:
        return not self.choices and not self.text.strip() and self.number is None

    @classmethod
    def from_answer(cls, answer) -> "Value":
        return cls(choices=tuple(answer.choices), text=answer.text, number=answer.number)


def visible_ids(questions: Iterable[Question], values: dict[int, Value]) -> set[int]:
    """Questions shown given the answers so far: a condition holds when its controlling
    question is itself shown and has one of the expected choices."""
    by_id = {q.pk: q for q in questions}
    memo: dict[int, bool] = {}

    def shown(question: Question, depth: int = 0) -> bool:
        if question.pk in memo:
            return memo[question.pk]
        result = True
        if question.is_conditional and depth < 20:
            controller = by_id.get(question.show_if_question_id)
            if controller is None:
                result = False
            else:
                chosen = set(values.get(controller.pk, Value()).choices)
                result = shown(controller, depth + 1) and bool(chosen & set(question.show_if_values))
        memo[question.pk] = result
        return result

    return {q.pk for q in by_id.values() if shown(q)}
