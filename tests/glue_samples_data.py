"""Small data in the shape of the datasets AWS's Glue sample jobs read.

``write_legislators`` writes the everypolitician US legislators export as Glue's walkthrough crawls
it: six JSON-lines files in one folder (persons, memberships, organizations, areas, events, countries).
``write_medicare`` writes the Medicare provider CSV with its real header (spaces included) and, at
its end, two rows whose ``Provider Id`` is text, so that the column becomes a choice.
The values are made up; only the field names, types and nesting follow the real files.
"""

from __future__ import annotations

import json
from pathlib import Path

SENATE = "8fa6c3d2-71dc-4784-b4c9-5ff0f4e4ef4c"
HOUSE = "d56acebe-8fdc-47bd-8e2a-93a01a3cd22c"
PARTIES = ["democrat", "republican", "independent"]

_GIVEN = ["Mike", "Shelley", "Ana", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal"]
_FAMILY = ["Ross", "Capito", "Lima", "Berg", "Roy", "Diaz", "Eng", "Fox", "Gray", "Hale"]


def _person(i: int) -> dict:
    given, family = _GIVEN[i], _FAMILY[i]
    person = {
        "family_name": family,
        "name": f"{given} {family}",
        "links": [{"note": "Wikipedia (en)", "url": f"https://en.wikipedia.org/wiki/{given}_{family}"}],
        "gender": "female" if i % 2 else "male",
        "image": f"https://theunitedstates.io/images/congress/original/P{i:06d}.jpg",
        "identifiers": [
            {"scheme": "bioguide", "identifier": f"P{i:06d}"},
            {"scheme": "govtrack", "identifier": str(400000 + i)},
        ],
        "other_names": [{"note": "alternate", "name": f"{given[0]}. {family}", "lang": "en"}],
        "sort_name": f"{family}, {given}",
        "images": [{"url": f"https://theunitedstates.io/images/congress/450x550/P{i:06d}.jpg"}],
        "given_name": given,
        "birth_date": f"19{50 + i}-0{1 + i % 9}-1{i % 9}",
        "id": f"person-{i:02d}",
        "contact_details": [
            {"type": "fax", "value": f"202-225-{1000 + i}"},
            {"type": "phone", "value": f"202-225-{2000 + i}"},
            {"type": "twitter", "value": f"{given}{family}"},
        ],
    }
    if i % 4 == 3:
        person["death_date"] = f"20{10 + i}-05-0{i % 9}"
    return person


def persons() -> list[dict]:
    return [_person(i) for i in range(len(_GIVEN))]


def memberships() -> list[dict]:
    """Two terms per person: the first in the House, the second in the Senate for even persons."""
    out = []
    for i in range(len(_GIVEN)):
        for term in range(2):
            chamber = SENATE if term and i % 2 == 0 else HOUSE
            membership = {
                "area_id": f"ocd-division/country:us/state:{['al', 'wv', 'ca', 'ny', 'tx'][i % 5]}",
                "on_behalf_of_id": f"party/{PARTIES[i % 3]}",
                "organization_id": chamber,
                "role": "member",
                "person_id": f"person-{i:02d}",
                "legislative_period_id": f"term/{113 + term}",
                "start_date": f"{2013 + 2 * term}-01-03",
            }
            if term == 0:
                membership["end_date"] = "2015-01-03"
            out.append(membership)
    return out


def organizations() -> list[dict]:
    """The two chambers (with seats and type) and the parties (with links and images)."""
    chambers = [
        {
            "classification": "legislature",
            "id": HOUSE,
            "name": "House of Representatives",
            "seats": 435,
            "type": "lower house",
        },
        {"classification": "legislature", "id": SENATE, "name": "Senate", "seats": 100, "type": "upper house"},
    ]
    parties = [
        {
            "classification": "party",
            "id": f"party/{p}",
            "name": p.capitalize(),
            "links": [{"note": "website", "url": f"https://{p}.example.org"}],
            "image": f"https://upload.wikimedia.org/{p}.svg",
            "identifiers": [{"scheme": "wikidata", "identifier": f"Q{29552 + n}"}],
            "other_names": [{"lang": "en", "note": "multilingual", "name": p.capitalize()}],
        }
        for n, p in enumerate(PARTIES)
    ]
    return chambers + parties


def areas() -> list[dict]:
    return [
        {"id": f"ocd-division/country:us/state:{s}", "name": s.upper(), "type": "constituency"}
        for s in ["al", "wv", "ca", "ny", "tx"]
    ]


def events() -> list[dict]:
    return [
        {
            "id": f"term/{t}",
            "name": f"{t}th Congress",
            "start_date": f"{2013 + 2 * (t - 113)}-01-03",
            "end_date": f"{2015 + 2 * (t - 113)}-01-03",
            "classification": "legislative period",
            "organization_id": HOUSE,
        }
        for t in (113, 114)
    ]


def countries() -> list[dict]:
    return [{"name": "United States of America", "code": "US", "slug": "United-States-of-America"}]


LEGISLATORS = {
    "persons": persons,
    "memberships": memberships,
    "organizations": organizations,
    "areas": areas,
    "events": events,
    "countries": countries,
}


# The export's file names (countries.r.json is how Glue's walkthrough gets its table countries_r_json).
FILE_NAMES = {name: f"{name}.json" for name in LEGISLATORS} | {"countries": "countries.r.json"}


def write_legislators(root: Path) -> Path:
    """The JSON-lines files side by side in ``root`` (``us-legislators/all``), as the export has them;
    returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, records in LEGISLATORS.items():
        text = "".join(json.dumps(r) + "\n" for r in records())
        (root / FILE_NAMES[name]).write_text(text, encoding="utf-8")
    return root


MEDICARE_HEADER = (
    "DRG Definition,Provider Id,Provider Name,Provider Street Address,Provider City,Provider State,"
    "Provider Zip Code,Hospital Referral Region Description, Total Discharges , Average Covered Charges , "
    "Average Total Payments ,Average Medicare Payments"
)
# (provider id, name, street, city, state, zip, region, discharges, covered, total, medicare)
MEDICARE_ROWS = [
    (
        "10001",
        "SOUTHEAST ALABAMA MEDICAL CENTER",
        "1108 ROSS CLARK CIRCLE",
        "DOTHAN",
        "AL",
        "36301",
        "AL - Dothan",
        "91",
        "$32963.07",
        "$5777.24",
        "$4763.73",
    ),
    (
        "10005",
        "MARSHALL MEDICAL CENTER SOUTH",
        "2505 U S HIGHWAY 431 NORTH",
        "BOAZ",
        "AL",
        "35957",
        "AL - Birmingham",
        "14",
        "$15131.85",
        "$5787.57",
        "$4976.71",
    ),
    (
        "10006",
        "ELIZA COFFEE MEMORIAL HOSPITAL",
        "205 MARENGO STREET",
        "FLORENCE",
        "AL",
        "35631",
        "AL - Birmingham",
        "24",
        "$37560.37",
        "$5434.95",
        "$4453.79",
    ),
    (
        "10011",
        "ST VINCENT'S EAST",
        "50 MEDICAL PARK EAST DRIVE",
        "BIRMINGHAM",
        "AL",
        "35235",
        "AL - Birmingham",
        "25",
        "$13998.28",
        "$5417.56",
        "$4129.16",
    ),
    (
        "10016",
        "SHELBY BAPTIST MEDICAL CENTER",
        "1000 FIRST STREET NORTH",
        "ALABASTER",
        "AL",
        "35007",
        "AL - Birmingham",
        "18",
        "$31633.27",
        "$5658.33",
        "$4851.44",
    ),
    (
        "ABC12",
        "INC",
        "1050 DIVISION ST",
        "MAUSTON",
        "WI",
        "53948",
        "WI - Madison",
        "12",
        "$11961.41",
        "$4619.00",
        "$3775.33",
    ),
    (
        "XYZ34",
        "INC- ST JOSEPH",
        "5000 W CHAMBERS ST",
        "MILWAUKEE",
        "WI",
        "53210",
        "WI - Milwaukee",
        "14",
        "$10514.28",
        "$5562.50",
        "$4522.78",
    ),
]
MEDICARE_DRG = "039 - EXTRACRANIAL PROCEDURES W/O CC/MCC"


def write_medicare(root: Path) -> Path:
    """``root/medicare/Medicare_Hospital_Provider.csv``; returns the folder."""
    folder = root / "medicare"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [MEDICARE_HEADER]
    for row in MEDICARE_ROWS:
        drg = MEDICARE_DRG if row[0].isdigit() else "948 - SIGNS & SYMPTOMS W/O MCC"
        lines.append(",".join([drg, *row]))
    (folder / "Medicare_Hospital_Provider.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
