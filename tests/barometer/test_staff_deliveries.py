"""The staff see each delivery for what it is: an email a dead worker may have handed to the
server is "uncertain", not "sent"; one not sent because the person answered meanwhile is "not sent"."""

import re

from django.utils import timezone

from barometer.enums import DeliveryStatus
from barometer.models import Delivery
from barometer.services import sending
from tests.barometer.test_sending import schedule

EXPLANATION = (
    "le serveur de messagerie a peut-être reçu ce courriel : il n'est jamais renvoyé pour éviter un doublon"
)


def _deliveries(questionnaire, round_number: int, statuses: dict[str, int], prefix: str = "") -> None:
    for status, count in statuses.items():
        for n in range(count):
            invitation, _created = questionnaire.campaign.invitations.get_or_create(
                email=f"{prefix}{status}{n}@exemple.fr", defaults={"questionnaire": questionnaire}
            )
            Delivery.objects.create(
                invitation=invitation,
                round=round_number,
                status=status,
                sent_at=timezone.now() if status == DeliveryStatus.SENT else None,
            )


def _round_cells(html: str, label: str) -> list[str]:
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<td class="text-end">(.*?)</td>', row)
    ]


def test_campaign_page_counts_uncertain_deliveries_apart_from_sent(staff_client, questionnaire):
    sending_round = schedule(questionnaire.campaign, 0)
    _deliveries(questionnaire, 0, {DeliveryStatus.COMMITTING: 2})
    recovered = sending._recover_committing(sending_round)  # what a later pass does after a crash
    _deliveries(
        questionnaire,
        0,
        {
            DeliveryStatus.SENT: 3,
            DeliveryStatus.COMMITTING: 1,
            DeliveryStatus.CLAIMED: 1,
            DeliveryStatus.FAILED: 1,
            DeliveryStatus.SKIPPED: 1,
        },
        prefix="p",
    )
    _deliveries(questionnaire, 1, {DeliveryStatus.SKIPPED: 2})

    page = staff_client.get(f"/barometre/equipe/{questionnaire.campaign.year}/")

    html = page.content.decode()
    assert recovered == 2
    header = re.search(r"<thead>(.*?)</thead>", html.split('id="deliveries-title"')[1], re.S).group(1)
    assert re.findall(r'<th scope="col" class="text-end">(.*?)</th>', header) == [
        "Envoyés",
        "Incertains",
        "En cours",
        "Non envoyés",
        "Échecs",
    ]
    assert _round_cells(html, "Invitation") == ["3", "2", "2", "1", "1"]
    assert _round_cells(html, "Relance 1") == ["0", "0", "0", "2", "0"]
    assert _round_cells(html, "Relance 2") == ["0", "0", "0", "0", "0"]
    assert f"Incertains : {EXPLANATION}." in html


def test_invitations_page_labels_each_delivery_status(staff_client, questionnaire):
    sending_round = schedule(questionnaire.campaign, 0)
    _deliveries(questionnaire, 0, {DeliveryStatus.COMMITTING: 1})
    sending._recover_committing(sending_round)
    _deliveries(
        questionnaire, 0, {DeliveryStatus.SENT: 1, DeliveryStatus.FAILED: 1, DeliveryStatus.SKIPPED: 1}
    )

    page = staff_client.get(f"/barometre/equipe/{questionnaire.campaign.year}/invitations/")

    html = page.content.decode()
    badges = dict(
        re.findall(
            r'<tr>\s*<td>([^<]+)</td>.*?<span class="badge-status[^>]*>Invitation : ([^<]+)</span>',
            html,
            re.S,
        )
    )
    assert badges == {
        "committing0@exemple.fr": "Incertain",
        "failed0@exemple.fr": "Échec",
        "sent0@exemple.fr": "Envoyé",
        "skipped0@exemple.fr": "Non envoyé",
    }
    assert f"Incertain : {EXPLANATION}." in html
