"""The staff board (kanban by phase) and the portfolio export."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accompaniment import exports, selectors
from accompaniment.enums import AccompanimentStatus
from accompaniment.forms import BoardFilterForm
from actors.permissions import staff_required


def _filters(request) -> tuple[BoardFilterForm, selectors.BoardFilters]:
    form = BoardFilterForm(request.GET or None)
    filters = selectors.BoardFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.BoardFilters(
            support_type=data["support_type"],
            zone=data["zone"],
            departement=data["departement"].code if data["departement"] else "",
            lead=data["lead"].pk if data["lead"] else None,
            template=data["template"].pk if data["template"] else None,
            alerts_only=data["alerts"],
        )
    return form, filters


@staff_required
@require_GET
def board(request):
    form, filters = _filters(request)
    accompaniments = list(selectors.board_accompaniments(filters))
    boards = selectors.build_boards(accompaniments, completed_label=_("Terminés"))
    active = [a for a in accompaniments if a.status == AccompanimentStatus.ACTIVE]
    return render(
        request,
        "accompaniment/board.html",
        {
            "form": form,
            "boards": boards,
            "total": len(accompaniments),
            "active_count": len(active),
            "overdue_action_total": sum(a.overdue_actions for a in accompaniments),
            "overdue_evaluation_total": sum(a.overdue_evaluations for a in accompaniments),
            "waiting_requests": selectors.waiting_request_count(),
            "query": request.GET.urlencode(),
        },
    )


@staff_required
@require_GET
def export_portfolio(request, fmt: str):
    _form, filters = _filters(request)
    rows = exports.portfolio_rows(selectors.portfolio(filters))
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(rows, sheet_title=_("Accompagnements")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="accompagnements-cops-{stamp}.xlsx"'
    else:
        response = HttpResponse(exports.to_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="accompagnements-cops-{stamp}.csv"'
    return response
