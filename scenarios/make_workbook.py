"""Generate the bundled workbook ``scenarios/territoires-industrie.xlsx``.

Synthetic data, calibrated on public figures of the *Territoires d'industrie* programme
(phase 1: 531 projects, €270M of grants for €2.5bn of investment, about €19k of aid per job
created; phase 2: 183 territories, a €100M envelope, 50 "sites clés en main" under zéro
artificialisation nette). No real project, firm or figure of a real territory is reproduced.

The output is byte-for-byte reproducible: one seeded ``numpy.random.default_rng``, fixed
document properties and fixed zip entry dates.

    python scenarios/make_workbook.py [OUT]
"""
from __future__ import annotations

import datetime as dt
import io
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import xlsxwriter

SEED = 20230927
N_PROJECTS = 2000
N_SITES = 120
GENERATOR = "scenarios/make_workbook.py"
DEFAULT_OUT = Path(__file__).resolve().parent / "territoires-industrie.xlsx"
FIXED_DATE = dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
YEARS = (2024, 2025, 2026, 2027)

THEMES = (
    ("ecological_transition", "Transition écologique"),
    ("innovation", "Innovation"),
    ("skills_recruitment", "Compétences et recrutement"),
    ("industrial_land", "Foncier industriel"),
    ("attractiveness", "Attractivité"),
)
THEME_P = (0.29, 0.22, 0.17, 0.14, 0.18)

# region, INSEE code, territories: (name, department(s), main town for project titles)
REGIONS = (
    ("Auvergne-Rhône-Alpes", "84", (
        ("Vallée de l'Arve", "74", "Cluses"),
        ("Plastics Vallée – Haut-Bugey", "01", "Oyonnax"),
        ("Bugey Sud – Belley", "01", "Belley"),
        ("Roannais", "42", "Roanne"),
        ("Saint-Étienne – Loire Sud", "42", "Saint-Étienne"),
        ("Vallée du Gier", "42", "Rive-de-Gier"),
        ("Grand Annecy", "74", "Annecy"),
        ("Maurienne", "73", "Saint-Jean-de-Maurienne"),
        ("Tarentaise – Arlysère", "73", "Albertville"),
        ("Nord-Isère", "38", "Bourgoin-Jallieu"),
        ("Grenoble – Pays Voironnais", "38", "Voiron"),
        ("Vallée de la Bourbre", "38", "La Tour-du-Pin"),
        ("Vallée de la Drôme", "26", "Crest"),
        ("Valence Romans", "26", "Romans-sur-Isère"),
        ("Ardèche Centre", "07", "Privas"),
        ("Bassin d'Annonay", "07", "Annonay"),
        ("Cœur de France – Montluçon", "03;18", "Montluçon"),
        ("Vichy Communauté", "03", "Vichy"),
        ("Moulins – Allier Sud", "03", "Moulins"),
        ("Thiers – Dore et Montagne", "63", "Thiers"),
        ("Issoire – Val d'Allier", "63", "Issoire"),
        ("Ambert – Livradois-Forez", "63", "Ambert"),
        ("Bassin d'Aurillac", "15", "Aurillac"),
        ("Le Puy – Yssingelais", "43", "Yssingeaux"),
        ("Brioude – Haut-Allier", "43", "Brioude"),
        ("Beaujolais – Villefranche", "69", "Villefranche-sur-Saône"),
    )),
    ("Bourgogne-Franche-Comté", "27", (
        ("Nord Franche-Comté", "25;90;70", "Montbéliard"),
        ("Haut-Doubs", "25", "Pontarlier"),
        ("Grand Besançon", "25", "Besançon"),
        ("Haut-Jura", "39", "Saint-Claude"),
        ("Dole – Val d'Amour", "39", "Dole"),
        ("Creusot-Montceau", "71", "Le Creusot"),
        ("Chalon – Val de Saône", "71", "Chalon-sur-Saône"),
        ("Autun – Morvan", "71", "Autun"),
        ("Nevers – Val de Loire", "58", "Nevers"),
        ("Auxerrois", "89", "Auxerre"),
        ("Sénonais", "89", "Sens"),
        ("Vesoul – Val de Saône", "70", "Vesoul"),
        ("Luxeuil – Lure", "70", "Lure"),
        ("Dijon – Côte-d'Or Nord", "21", "Is-sur-Tille"),
    )),
    ("Bretagne", "53", (
        ("Pays de Lorient", "56", "Lorient"),
        ("Pays de Brest", "29", "Brest"),
        ("Centre Bretagne", "22", "Loudéac"),
        ("Lannion – Trégor", "22", "Lannion"),
        ("Pays de Vitré", "35", "Vitré"),
        ("Pays de Fougères", "35", "Fougères"),
        ("Pays de Pontivy", "56", "Pontivy"),
        ("Quimper Cornouaille", "29", "Quimper"),
    )),
    ("Centre-Val de Loire", "24", (
        ("Bourges – Vierzon", "18", "Vierzon"),
        ("Châteauroux – Indre", "36", "Châteauroux"),
        ("Vendômois – Vallée du Loir", "41", "Vendôme"),
        ("Romorantin – Sologne", "41", "Romorantin-Lanthenay"),
        ("Drouais", "28", "Dreux"),
        ("Chartres – Eure-et-Loir", "28", "Chartres"),
        ("Montargis – Gâtinais", "45", "Montargis"),
        ("Pithiverais", "45", "Pithiviers"),
        ("Amboise – Val de Cher", "37", "Amboise"),
        ("Loches – Sud Touraine", "37", "Loches"),
    )),
    ("Corse", "94", (
        ("Corse – Plaine orientale", "2A;2B", "Borgo"),
    )),
    ("Grand Est", "44", (
        ("Vallée de la Meuse ardennaise", "08", "Revin"),
        ("Charleville – Sedan", "08", "Sedan"),
        ("Pays-Haut – Longwy", "54", "Longwy"),
        ("Val de Lorraine", "54", "Pont-à-Mousson"),
        ("Sarreguemines – Bitche", "57", "Sarreguemines"),
        ("Bassin houiller – Forbach", "57", "Forbach"),
        ("Thionville – Vallée de la Fensch", "57", "Hayange"),
        ("Saint-Avold – Carling", "57", "Saint-Avold"),
        ("Épinal – Vosges centrales", "88", "Épinal"),
        ("Déodatie", "88", "Saint-Dié-des-Vosges"),
        ("Hautes Vosges", "88", "Remiremont"),
        ("Mulhouse – Sud Alsace", "68", "Mulhouse"),
        ("Colmar – Vallées", "68", "Colmar"),
        ("Alsace du Nord", "67", "Haguenau"),
        ("Molsheim – Vallée de la Bruche", "67", "Molsheim"),
        ("Troyes – Aube", "10", "Troyes"),
        ("Romilly – Nogent", "10", "Romilly-sur-Seine"),
        ("Chaumont – Langres", "52", "Chaumont"),
        ("Saint-Dizier – Vitry – Bar-le-Duc", "52;51;55", "Saint-Dizier"),
        ("Reims – Champagne", "51", "Reims"),
        ("Nord Meuse – Verdun", "55", "Verdun"),
        ("Lunéville – Baccarat", "54", "Lunéville"),
    )),
    ("Hauts-de-France", "32", (
        ("Dunkerquois", "59", "Dunkerque"),
        ("Calaisis", "62", "Calais"),
        ("Boulonnais", "62", "Boulogne-sur-Mer"),
        ("Saint-Omer – Flandre intérieure", "62;59", "Arques"),
        ("Artois – Béthune-Bruay", "62", "Béthune"),
        ("Lens-Liévin – Hénin-Carvin", "62", "Lens"),
        ("Douaisis", "59", "Douai"),
        ("Valenciennois – Hainaut", "59", "Valenciennes"),
        ("Sambre-Avesnois-Thiérache", "59;02", "Maubeuge"),
        ("Cambrésis", "59", "Cambrai"),
        ("Saint-Quentinois", "02", "Saint-Quentin"),
        ("Soissonnais – Sud de l'Aisne", "02", "Soissons"),
        ("Chauny – Tergnier – Laon", "02", "Chauny"),
        ("Amiens – Santerre", "80", "Amiens"),
        ("Abbeville – Baie de Somme", "80", "Abbeville"),
        ("Beauvaisis", "60", "Beauvais"),
        ("Compiègne – Noyonnais", "60", "Compiègne"),
        ("Creil – Sud Oise", "60", "Creil"),
        ("Roubaix – Tourcoing", "59", "Roubaix"),
        ("Vallée de la Lys", "59;62", "Armentières"),
    )),
    ("Île-de-France", "11", (
        ("Grand Paris Sud", "91;77", "Évry-Courcouronnes"),
        ("Seine-Aval", "78", "Mantes-la-Jolie"),
        ("Roissy – Pays de France", "95;77", "Gonesse"),
    )),
    ("Normandie", "28", (
        ("Le Havre – Estuaire de la Seine", "76", "Le Havre"),
        ("Rouen – Vallée de Seine", "76", "Grand-Couronne"),
        ("Caux Seine", "76", "Lillebonne"),
        ("Vallée de la Bresle – Vimeu", "76;80", "Eu"),
        ("Évreux – Vernon", "27", "Vernon"),
        ("Louviers – Val-de-Reuil", "27", "Val-de-Reuil"),
        ("Caen Normandie", "14", "Caen"),
        ("Lisieux – Pays d'Auge", "14", "Lisieux"),
        ("Cotentin", "50", "Cherbourg-en-Cotentin"),
        ("Saint-Lô – Coutances", "50", "Saint-Lô"),
        ("Flers – Argentan", "61", "Flers"),
        ("Alençon", "61;72", "Alençon"),
    )),
    ("Nouvelle-Aquitaine", "75", (
        ("Bassin de Lacq", "64", "Mourenx"),
        ("Pau – Béarn", "64", "Pau"),
        ("Pays basque – Adour", "64;40", "Bayonne"),
        ("Rochefort – Marennes", "17", "Rochefort"),
        ("La Rochelle – Aunis", "17", "La Rochelle"),
        ("Châtelleraudais", "86", "Châtellerault"),
        ("Grand Poitiers", "86", "Chasseneuil-du-Poitou"),
        ("Niort – Haut Val de Sèvre", "79", "Niort"),
        ("Bocage bressuirais", "79", "Bressuire"),
        ("Cognac – Grand Angoulême", "16", "Cognac"),
        ("Limoges Métropole", "87", "Limoges"),
        ("Porte océane du Limousin", "87", "Saint-Junien"),
        ("Tulle – Brive", "19", "Brive-la-Gaillarde"),
        ("Haute-Corrèze – Ussel", "19", "Ussel"),
        ("Creuse", "23", "Guéret"),
        ("Périgord – Bergerac", "24", "Bergerac"),
        ("Val de Garonne – Marmande", "47", "Marmande"),
        ("Fumel – Villeneuve-sur-Lot", "47", "Fumel"),
        ("Landes – Mont-de-Marsan", "40", "Mont-de-Marsan"),
        ("Haute-Gironde – Libournais", "33", "Libourne"),
    )),
    ("Occitanie", "76", (
        ("Tarbes-Lourdes", "65", "Tarbes"),
        ("Lannemezan – Plateau", "65", "Lannemezan"),
        ("Figeac – Decazeville", "46;12", "Figeac"),
        ("Rodez – Millau", "12", "Rodez"),
        ("Albi – Carmaux", "81", "Carmaux"),
        ("Castres – Mazamet", "81", "Mazamet"),
        ("Montauban – Tarn-et-Garonne", "82", "Montauban"),
        ("Comminges", "31", "Saint-Gaudens"),
        ("Ariège – Pamiers", "09", "Pamiers"),
        ("Carcassonne Agglo", "11", "Carcassonne"),
        ("Narbonnais", "11", "Narbonne"),
        ("Béziers – Ouest Hérault", "34", "Béziers"),
        ("Sète – Bassin de Thau", "34", "Sète"),
        ("Alès – Cévennes", "30", "Alès"),
        ("Gard rhodanien", "30", "Bagnols-sur-Cèze"),
        ("Lozère", "48", "Mende"),
        ("Perpignan – Pyrénées", "66", "Perpignan"),
        ("Gers – Auch", "32", "Auch"),
    )),
    ("Pays de la Loire", "52", (
        ("Saint-Nazaire – Estuaire", "44", "Saint-Nazaire"),
        ("Châteaubriant – Derval", "44", "Châteaubriant"),
        ("Vignoble nantais", "44", "Clisson"),
        ("Cholet – Mauges", "49", "Cholet"),
        ("Saumur – Val de Loire", "49", "Saumur"),
        ("Anjou bleu – Segré", "49", "Segré-en-Anjou Bleu"),
        ("Laval – Mayenne", "53", "Laval"),
        ("Pays de Château-Gontier", "53", "Château-Gontier-sur-Mayenne"),
        ("Le Mans – Sarthe", "72", "Le Mans"),
        ("Sablé – La Flèche", "72", "Sablé-sur-Sarthe"),
        ("La Roche-sur-Yon", "85", "La Roche-sur-Yon"),
        ("Haut Bocage vendéen", "85", "Les Herbiers"),
    )),
    ("Provence-Alpes-Côte d'Azur", "93", (
        ("Fos – Étang de Berre", "13", "Fos-sur-Mer"),
        ("Vallée de l'Huveaune", "13", "Aubagne"),
        ("Durance – Manosque – Sisteron", "04", "Manosque"),
        ("Hautes-Alpes – Gap", "05", "Gap"),
        ("Pays de Grasse", "06", "Grasse"),
        ("Toulon – Provence Méditerranée", "83", "La Seyne-sur-Mer"),
        ("Avignon – Carpentras", "84", "Carpentras"),
        ("Dracénie", "83", "Draguignan"),
    )),
    ("Guadeloupe", "01", (
        ("Cap Excellence – Jarry", "971", "Baie-Mahault"),
        ("Nord Basse-Terre", "971", "Sainte-Rose"),
    )),
    ("Martinique", "02", (
        ("Centre Martinique – Le Lamentin", "972", "Le Lamentin"),
        ("Nord Atlantique", "972", "Le Robert"),
    )),
    ("Guyane", "03", (
        ("Kourou – Centre Littoral", "973", "Kourou"),
    )),
    ("La Réunion", "04", (
        ("Territoire de la Côte Ouest – Le Port", "974", "Le Port"),
        ("Sud Réunion", "974", "Saint-Pierre"),
        ("Nord Réunion", "974", "Sainte-Marie"),
    )),
    ("Mayotte", "06", (
        ("Mayotte – Longoni", "976", "Koungou"),
    )),
)
OVERSEAS = ("01", "02", "03", "04", "06")
# Territories straddling two regions: name -> other region (lead region is where listed).
STRADDLING = {
    "Cœur de France – Montluçon": "Centre-Val de Loire",
    "Vallée de la Bresle – Vimeu": "Hauts-de-France",
    "Alençon": "Pays de la Loire",
}
REGION_CAPS = {"Auvergne-Rhône-Alpes": 16e6, "Grand Est": 16e6, "Hauts-de-France": 16e6,
               "Nouvelle-Aquitaine": 16e6, "Occitanie": 16e6}
REGION_FLOORS = {"Guadeloupe": 0.5e6, "Martinique": 0.5e6, "Guyane": 0.5e6,
                 "La Réunion": 1e6, "Mayotte": 0.5e6}
TERRITORY_CAP = 2.5e6
RESOURCES = (("spend_2024", 15e6), ("spend_2025", 35e6), ("spend_2026", 35e6),
             ("spend_2027", 25e6))

# Title word lists (telegraphic style of programme dossiers): head + object.
TITLE_WORDS = {
    "ecological_transition": (
        ("Décarbonation", "Électrification", "Efficacité énergétique", "Récupération de chaleur",
         "Sobriété énergétique", "Verdissement"),
        ("four de fusion", "ligne de peinture", "fonderie", "séchoirs industriels", "chaufferie",
         "atelier de traitement de surface", "procédé de cuisson", "réseau vapeur",
         "parc de compresseurs", "ligne d'extrusion", "verrerie", "papeterie"),
        ("Unité de méthanisation", "Ombrières photovoltaïques", "Recyclage des chutes plastiques",
         "Boucle d'eau fermée", "Production d'hydrogène bas carbone",
         "Valorisation des déchets de bois", "Chaudière biomasse", "Réemploi des palettes"),
    ),
    "innovation": (
        ("Robotisation", "Numérisation", "Automatisation", "Industrialisation",
         "Démonstrateur", "Modernisation"),
        ("ligne d'usinage", "cellule d'assemblage", "atelier composites", "pilote batteries",
         "contrôle qualité par vision", "impression 3D métal", "capteurs connectés",
         "micro-électronique", "textile technique", "ligne de conditionnement",
         "atelier de forge", "moules d'injection"),
        ("Jumeau numérique de l'usine", "Plateforme de R&D mutualisée",
         "Banc d'essai hydrogène", "Fablab industriel", "Cobotique en PME",
         "Laboratoire matériaux biosourcés"),
    ),
    "skills_recruitment": (
        ("Centre de formation", "Campus des métiers", "Plateau technique", "Académie",
         "École de production", "Parcours de qualification"),
        ("soudure", "usinage", "maintenance industrielle", "plasturgie", "chaudronnerie",
         "électrotechnique", "conduite de ligne", "agroalimentaire", "robotique",
         "logistique industrielle", "métallurgie", "automatismes"),
        ("Plateforme recrutement industrie", "Logements pour alternants",
         "Bus de l'industrie", "Préparation opérationnelle à l'emploi",
         "Reconversion vers l'industrie", "GPEC territoriale"),
    ),
    "industrial_land": (
        ("Aménagement", "Requalification", "Viabilisation", "Reconversion", "Extension",
         "Dépollution"),
        ("friche", "zone d'activités", "parc industriel", "ancien site sidérurgique",
         "ancienne papeterie", "emprise ferroviaire", "ZAE portuaire", "ancienne filature",
         "ancienne base militaire", "zone artisanale"),
        ("Immobilier d'entreprise", "Village d'entreprises", "Hôtel industriel",
         "Bâtiment relais", "Embranchement ferré"),
    ),
    "attractiveness": (
        ("Maison de l'industrie", "Marque territoriale", "Mobilité domicile-travail",
         "Tiers-lieu industriel", "Crèche interentreprises", "Logements pour salariés"),
        ("", ),
        ("Navette salariés zone industrielle", "Salon de l'industrie",
         "Accueil des nouveaux salariés", "Visites d'entreprises", "Conciergerie de zone",
         "Restaurant interentreprises", "Pôle d'échange multimodal"),
    ),
}
SITE_ZONES = ("ZI Nord", "ZI Sud", "Parc d'activités de la Gare", "ZAC des Portes",
              "Parc industriel du Canal", "ZA des Grands Champs", "Écoparc", "Zone portuaire",
              "Plateforme logistique", "ZAE du Moulin", "Parc technologique", "ZI des Forges")
BROWNFIELDS = ("ancienne aciérie", "ancienne papeterie", "ancienne filature",
               "ancienne raffinerie", "ancienne base aérienne", "friche ferroviaire",
               "ancienne tuilerie", "ancienne usine chimique", "ancienne verrerie",
               "ancien carreau de mine")
NOTES = ("Dossier complet", "Avis favorable du comité de pilotage",
         "Cofinancement Région acquis", "En attente de l'avis de la DREAL",
         "Permis de construire déposé", "Lauréat France 2030 (volet amont)",
         "Porteur à relancer pour les devis", "Calendrier à confirmer",
         "Convention de revitalisation associée", "Foncier maîtrisé par l'EPF",
         "- à revoir avec la DDETS",  # begins with "-": must stay text, never a formula
         "+ 15 emplois indirects estimés")


# ---------------------------------------------------------------------------------------------
def territories(rng):
    rows = []
    for region, code, items in REGIONS:
        for k, (name, dept, town) in enumerate(items, start=1):
            overseas = code in OVERSEAS
            if overseas:
                pop = rng.uniform(150e3, 300e3)
                ind_share = rng.uniform(0.065, 0.085)
            else:
                pop = float(np.clip(rng.lognormal(np.log(150e3), 0.5), 45e3, 900e3))
                ind_share = rng.uniform(0.045, 0.11)
            note = None
            if name in STRADDLING:
                note = f"straddles {region} and {STRADDLING[name]}; lead region {region}"
            rows.append(dict(
                territory_id=f"ti-{code}{k:02d}", name=name, region=region,
                department=dept.replace(";", ", "), population=int(round(pop, -2)),
                industrial_jobs=int(round(pop * ind_share, -1)), cap=TERRITORY_CAP, floor=None,
                note=note, town=town, code=code))
    # the ten largest industrial basins have no cap of their own
    jobs = np.array([t["industrial_jobs"] for t in rows])
    for i in np.argsort(-jobs, kind="stable")[:10]:
        rows[i]["cap"] = None
    return rows


def title_for(rng, theme, town):
    heads, objects, whole = TITLE_WORDS[theme]
    if objects == ("",):  # stand-alone heads or whole titles
        pool = whole if rng.random() < 0.6 else heads
        text = pool[rng.integers(len(pool))]
    elif rng.random() < 0.3:
        text = whole[rng.integers(len(whole))]
    else:
        text = f"{heads[rng.integers(len(heads))]} {objects[rng.integers(len(objects))]}"
    return f"{text} – {town}"


def split_spend(rng, amount):
    """Yearly payments (whole euros) summing exactly to ``amount``."""
    start = rng.choice(4, p=(0.22, 0.42, 0.26, 0.10))
    length = min(4 - start, rng.choice((1, 2, 3), p=(0.25, 0.45, 0.30)))
    w = rng.dirichlet(np.full(length, 2.0))
    out = np.zeros(4, dtype=np.int64)
    parts = np.floor(w * amount).astype(np.int64)
    parts[-1] = amount - parts[:-1].sum()
    out[start:start + length] = parts
    return out


def projects(rng, terrs):
    n_t = len(terrs)
    weight = np.array([t["industrial_jobs"] for t in terrs], dtype=float) ** 0.6
    counts = 5 + rng.multinomial(N_PROJECTS - 5 * n_t, weight / weight.sum())
    terr_of = np.repeat(np.arange(n_t), counts)
    n = N_PROJECTS
    theme_names = [t for t, _ in THEMES]
    theme = rng.choice(5, size=n, p=THEME_P)

    # sites: mostly industrial land, a few on other axes (e.g. an eco-industrial park)
    land = np.flatnonzero(theme == 3)
    other = np.flatnonzero((theme == 0) | (theme == 4))
    site = np.zeros(n, dtype=bool)
    site[rng.choice(land, size=min(105, len(land)), replace=False)] = True
    site[rng.choice(other, size=N_SITES - site.sum(), replace=False)] = True

    # investment: lognormal, median ≈ €2.7M, at least €200k, a few up to €50M
    cost = rng.lognormal(np.log(2.7e6), 1.0, size=n)
    cost[site] *= 1.6
    big = cost > 50e6
    cost[big] = rng.uniform(30e6, 50e6, size=big.sum())
    small = cost < 200e3
    cost[small] = rng.uniform(200e3, 400e3, size=small.sum())
    cost = np.round(cost, -3)

    # firm size → aid-intensity cap (large 15%, medium 25%, small 35%)
    p_large = np.clip((np.log(cost) - np.log(1e6)) / (np.log(30e6) - np.log(1e6)), 0.05, 0.9)
    u = rng.random(n)
    rate = np.where(u < p_large, 0.15, np.where(u < p_large + (1 - p_large) * 0.5, 0.25, 0.35))
    # requested: a share of the cap, ≈ 11% of investment in all
    req = cost * rate * rng.beta(3.5, 3.5, size=n)
    req = np.maximum(np.floor(req / 1000) * 1000, 10_000)
    req = np.minimum(req, np.floor(rate * cost / 1000) * 1000)

    partial = rng.random(n) < 0.30
    min_award = np.where(partial, np.round(req * rng.uniform(0.5, 0.9, size=n), -3), np.nan)

    # outcomes: ≈ €19k of aid per job created, heavy-tailed, some zero
    jobs_factor = np.array([1.1, 1.2, 0.6, 1.3, 0.5])[theme]
    jobs = req / 19e3 * jobs_factor * rng.lognormal(-0.45, 0.95, size=n)
    jobs[rng.random(n) < np.array([0.12, 0.08, 0.25, 0.10, 0.30])[theme]] = 0
    jobs *= (req.sum() / 19e3) / jobs.sum()
    jobs = np.round(jobs).astype(int)

    skills_factor = np.array([0.15, 0.25, 2.0, 0.05, 0.4])[theme]
    skills = req / 4e3 * skills_factor * rng.lognormal(-0.3, 0.8, size=n)
    skills[(theme != 2) & (rng.random(n) < 0.45)] = 0
    skills = np.round(skills).astype(int)

    inno = np.where(theme == 1, rng.uniform(5.5, 10, size=n), rng.beta(2, 3.5, size=n) * 7.5)
    inno = np.round(inno, 1)

    # ranges: low ≤ central ≤ high
    def ranges(x, integer):
        lo = x * rng.uniform(0.5, 0.9, size=n)
        hi = x * rng.uniform(1.1, 1.7, size=n)
        if integer:
            return np.floor(lo).astype(int), np.ceil(hi).astype(int)
        return np.floor(lo * 10) / 10, np.ceil(hi * 10) / 10
    jobs_lo, jobs_hi = ranges(jobs, True)
    skills_lo, skills_hi = ranges(skills, True)
    inno_lo = np.maximum(0, np.round(inno - rng.uniform(0.5, 2.0, size=n), 1))
    inno_hi = np.minimum(10, np.round(inno + rng.uniform(0.5, 2.0, size=n), 1))

    # land: sites of 3–350 ha; over half on brownfield (zero or negative net artificialisation)
    area = np.clip(rng.lognormal(np.log(22), 1.0, size=n), 3, 350).round(1)
    ha = np.zeros(n)
    brown = np.zeros(n, dtype=bool)
    sites = np.flatnonzero(site)
    bsites = rng.choice(sites, size=int(round(0.58 * len(sites))), replace=False)
    brown[bsites] = True
    for i in sites:
        if brown[i]:
            ha[i] = 0.0 if rng.random() < 0.35 else -round(area[i] * rng.uniform(0.05, 0.6), 1)
        else:
            ha[i] = round(area[i] * rng.uniform(0.1, 1.0), 1)
    # a few non-site projects touch land: extensions (positive), renaturation (negative)
    ns = np.flatnonzero(~site & ((theme == 3) | (rng.random(n) < 0.03)))
    touch = ns[rng.random(len(ns)) < 0.35]
    for i in touch:
        ha[i] = round(rng.uniform(0.3, 6.0), 1) * (1 if rng.random() < 0.6 else -1)

    # titles
    titles = []
    for i in range(n):
        town = terrs[terr_of[i]]["town"]
        if site[i]:
            if brown[i]:
                t = f"Site clés en main – reconversion {BROWNFIELDS[rng.integers(len(BROWNFIELDS))]}"
            else:
                t = f"Site clés en main {SITE_ZONES[rng.integers(len(SITE_ZONES))]}"
            titles.append(f"{t} ({area[i]:g} ha) – {town}")
        else:
            titles.append(title_for(rng, theme_names[theme[i]], town))

    spend = np.array([split_spend(rng, int(r)) for r in req])

    # structure: requires chains, exclusive groups, locks (disjoint sets of projects)
    used = np.zeros(n, dtype=bool)
    requires = [None] * n
    excl = [None] * n
    by_terr = [np.flatnonzero(terr_of == t) for t in range(n_t)]

    def pick(t, k):
        free = [i for i in by_terr[t] if not used[i]]
        if len(free) < k:
            return None
        chosen = rng.choice(free, size=k, replace=False)
        used[chosen] = True
        return [int(c) for c in chosen]

    order = rng.permutation(n_t)
    pos = 0
    for _ in range(32):  # chains: a → b (→ c (→ d))
        length = int(rng.choice((1, 2, 3), p=(0.5, 0.35, 0.15)))
        ch = pick(order[pos % n_t], length + 1)
        pos += 1
        if ch is None:
            continue
        for a, b in zip(ch, ch[1:]):
            requires[a] = f"P-{b + 1:04d}"
    for _ in range(6):  # projects needing two others
        ch = pick(order[pos % n_t], 3)
        pos += 1
        if ch is not None:
            requires[ch[0]] = f"P-{ch[1] + 1:04d};P-{ch[2] + 1:04d}"
    g = 0
    for _ in range(34):  # alternatives
        k = int(rng.choice((2, 3), p=(0.7, 0.3)))
        grp = pick(order[pos % n_t], k)
        pos += 1
        if grp is None:
            continue
        g += 1
        for i in grp:
            excl[i] = f"EX-{g:03d}"

    lock = [None] * n
    cheap_ok = np.flatnonzero(~used & (req <= 300e3) & (ha <= 0) & ~site & np.isnan(min_award))
    lin = []
    seen_t = set()
    for i in rng.permutation(cheap_ok):
        if terr_of[i] not in seen_t:
            lin.append(int(i))
            seen_t.add(terr_of[i])
        if len(lin) == 5:
            break
    for i in lin:
        lock[i] = "in"
        used[i] = True
    lout = rng.choice(np.flatnonzero(~used | np.array([r is not None for r in requires])),
                      size=10, replace=False)
    for i in lout:
        lock[int(i)] = "out"

    notes = [None] * n
    for i in np.flatnonzero(rng.random(n) < 0.08):
        notes[i] = NOTES[rng.integers(len(NOTES))]
    for i in lin:
        notes[i] = "Engagement de l'État (CIAT) : financement acquis"
    for i in lout:
        notes[int(i)] = "Écarté : aide d'État déjà notifiée au titre d'un autre dispositif"

    rows = []
    for i in range(n):
        rows.append(dict(
            project_id=f"P-{i + 1:04d}", territory_id=terrs[terr_of[i]]["territory_id"],
            title=titles[i], theme=theme_names[theme[i]], total_cost=float(cost[i]),
            requested=float(req[i]), min_award=None if np.isnan(min_award[i]) else float(min_award[i]),
            max_aid_rate=float(rate[i]), jobs=int(jobs[i]), skills=int(skills[i]),
            innovation=float(inno[i]), is_site=bool(site[i]), net_artificialised_ha=float(ha[i]),
            requires=requires[i], exclusive_group=excl[i], lock=lock[i],
            jobs_low=int(jobs_lo[i]), jobs_high=int(jobs_hi[i]),
            skills_low=int(skills_lo[i]), skills_high=int(skills_hi[i]),
            innovation_low=float(inno_lo[i]), innovation_high=float(inno_hi[i]),
            **{f"spend_{y}": int(spend[i, k]) for k, y in enumerate(YEARS)},
            note=notes[i]))
    return rows, brown


SCENARIOS = {
    "description": (
        "Balanced: jobs, skills and innovation weighted equally; at least 15% for the "
        "ecological transition.",
        "Jobs first: jobs weigh three times as much as skills or innovation.",
        "Skills first: people trained weigh three times as much as jobs or innovation.",
        "Regional equity: every territory funded, each region within ±25% of its share of "
        "industrial jobs."),
    "budget": (100e6,) * 4,
    "weight.jobs": (1, 3, 1, 1),
    "weight.skills": (1, 1, 3, 1),
    "weight.innovation": (1, 1, 1, 1),
    "sites.max": (50,) * 4,
    "sites.max_net_ha": (0,) * 4,
    "coverage": (0, 0, 0, 1),
    "fairness.band": (None, None, None, 0.25),
    "fairness.basis": ("industrial_jobs",) * 4,
    "theme_min.ecological_transition": (0.15, None, None, None),
    "time_limit": (60,) * 4,
    "gap": (1e-6,) * 4,
}
SCENARIO_NAMES = ("balanced", "jobs_first", "skills_first", "regional_equity")


# ---------------------------------------------------------------------------------------------
def write_table(wb, name, columns, rows, formats, widths):
    ws = wb.add_worksheet(name)
    head = formats["head"]
    for j, c in enumerate(columns):
        ws.write_string(0, j, c, head)
        ws.set_column(j, j, widths.get(c, 12), formats.get(c))
    for r, row in enumerate(rows, start=1):
        for j, c in enumerate(columns):
            v = row.get(c)
            if v is None:
                continue
            fmt = formats.get(c)
            if isinstance(v, bool):
                ws.write_boolean(r, j, v, fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(r, j, v, fmt)
            else:
                ws.write_string(r, j, str(v), fmt)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), len(columns) - 1)
    return ws


def build(out):
    rng = np.random.default_rng(SEED)
    terrs = territories(rng)
    projs, brown = projects(rng, terrs)

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({
        "title": "Territoires d'industrie – projets candidats (données synthétiques)",
        "subject": "Allocation de l'enveloppe de 100 M€",
        "author": GENERATOR, "company": "", "comments": f"Synthetic data, seed {SEED}",
        "created": FIXED_DATE,
    })
    euro = wb.add_format({"num_format": '#,##0 "€"'})
    f = {
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1,
                               "text_wrap": True, "valign": "top"}),
        "total_cost": euro, "requested": euro, "min_award": euro, "cap": euro, "floor": euro,
        "capacity": euro,
        **{f"spend_{y}": euro for y in YEARS},
        "max_aid_rate": wb.add_format({"num_format": "0%"}),
        "net_artificialised_ha": wb.add_format({"num_format": "0.0"}),
        "innovation": wb.add_format({"num_format": "0.0"}),
        "innovation_low": wb.add_format({"num_format": "0.0"}),
        "innovation_high": wb.add_format({"num_format": "0.0"}),
        "population": wb.add_format({"num_format": "#,##0"}),
        "industrial_jobs": wb.add_format({"num_format": "#,##0"}),
    }
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    # about
    n = len(projs)
    req = np.array([p["requested"] for p in projs])
    cost = np.array([p["total_cost"] for p in projs])
    jobs = np.array([p["jobs"] for p in projs])
    n_sites = sum(p["is_site"] for p in projs)
    n_brown = int(sum(brown[i] for i, p in enumerate(projs) if p["is_site"]))
    ws = wb.add_worksheet("about")
    ws.set_column(0, 0, 110, wrap)
    lines = [
        ("Territoires d'industrie – candidate projects for the €100M envelope", "title"),
        ("Synthetic data calibrated on public figures of the Territoires d'industrie programme, "
         "phase 1: 531 projects, €270M of grants for €2.5bn of investment (aid ≈ 11% of "
         "investment, ≈ €0.5M per project, ≈ €19k of aid per job created); phase 2 "
         "(2023–2027): 183 territories in 18 regions, a €100M envelope, at most 50 'sites clés "
         "en main' under zéro artificialisation nette. No row describes a real project, firm "
         "or territory's figures; names are real-sounding, not real dossiers.", None),
        (f"Generated by {GENERATOR} with numpy.random.default_rng(seed={SEED}); running it "
         "again gives the same file, byte for byte.", None),
        (f"This file: {n} projects in {len(terrs)} territories; €{req.sum() / 1e6:,.0f}M "
         f"requested for €{cost.sum() / 1e9:,.2f}bn of investment (aid/investment "
         f"{req.sum() / cost.sum():.1%}, mean request €{req.mean() / 1e3:,.0f}k, "
         f"€{req.sum() / jobs.sum() / 1e3:,.1f}k per job); {n_sites} candidate sites, "
         f"{n_brown} of them on brownfield land.", None),
        ("Sheets: projects (one row per candidate project; the `note` column is the analyst's "
         "free text), territories, regions, resources (yearly payment ceilings), themes, "
         "scenarios (one column per preset: balanced, jobs_first, skills_first, "
         "regional_equity; an empty cell means 'not set').", None),
    ]
    big = wb.add_format({"bold": True, "font_size": 14})
    for r, (text, kind) in enumerate(lines):
        ws.write_string(r, 0, text, big if kind == "title" else wrap)

    pcols = ["project_id", "territory_id", "title", "theme", "total_cost", "requested",
             "min_award", "max_aid_rate", "jobs", "skills", "innovation", "is_site",
             "net_artificialised_ha", "requires", "exclusive_group", "lock",
             "jobs_low", "jobs_high", "skills_low", "skills_high", "innovation_low",
             "innovation_high", *(f"spend_{y}" for y in YEARS), "note"]
    widths = {"project_id": 9, "territory_id": 10, "title": 62, "theme": 20, "total_cost": 14,
              "requested": 13, "min_award": 13, "is_site": 8, "net_artificialised_ha": 11,
              "requires": 14, "exclusive_group": 10, "lock": 6, "note": 48,
              **{f"spend_{y}": 13 for y in YEARS}}
    write_table(wb, "projects", pcols, projs, f, widths)

    tcols = ["territory_id", "name", "region", "department", "population", "industrial_jobs",
             "cap", "floor", "note"]
    write_table(wb, "territories", tcols, terrs, f,
                {"territory_id": 10, "name": 36, "region": 26, "department": 11,
                 "population": 12, "industrial_jobs": 12, "cap": 13, "note": 58})

    rrows = [dict(region=r, code=c, floor=REGION_FLOORS.get(r), cap=REGION_CAPS.get(r))
             for r, c, _ in REGIONS]
    write_table(wb, "regions", ["region", "code", "floor", "cap"], rrows, f,
                {"region": 26, "code": 6, "floor": 13, "cap": 13})

    write_table(wb, "resources", ["resource", "capacity", "unit"],
                [dict(resource=r, capacity=c, unit="€") for r, c in RESOURCES], f,
                {"resource": 12, "capacity": 14, "unit": 6})

    write_table(wb, "themes", ["theme", "label"], [dict(theme=t, label=l) for t, l in THEMES],
                f, {"theme": 22, "label": 28})

    ws = wb.add_worksheet("scenarios")
    ws.write_string(0, 0, "parameter", f["head"])
    ws.set_column(0, 0, 32)
    ws.set_column(1, len(SCENARIO_NAMES), 30, wrap)
    for j, s in enumerate(SCENARIO_NAMES, start=1):
        ws.write_string(0, j, s, f["head"])
    num = wb.add_format({"num_format": "General", "valign": "top"})
    for r, (param, values) in enumerate(SCENARIOS.items(), start=1):
        ws.write_string(r, 0, param)
        for j, v in enumerate(values, start=1):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r, j, v, wrap)
            else:
                ws.write_number(r, j, v, euro if param == "budget" else num)
    ws.freeze_panes(1, 1)

    wb.close()
    data = normalise_zip(buf.getvalue())
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    return out


def normalise_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 and fixed attributes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            z = zipfile.ZipInfo(info.filename, ZIP_DATE)
            z.compress_type = zipfile.ZIP_DEFLATED
            z.external_attr = 0o600 << 16
            z.create_system = 0
            dst.writestr(z, src.read(info.filename))
    return out.getvalue()


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    print(build(target))
