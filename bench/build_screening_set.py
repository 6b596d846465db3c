"""Builds stadtlotse/intake/tests/data/screening_set.jsonl, the labelled set for the screening.

Run once when the set changes: `.venv/bin/python bench/build_screening_set.py`. The set has
  - a seeded random sample of real reports from Berlin's Ordnungsamt-Online (dl-de/by-2.0,
    "Bezirksämter Berlin – Ordnungsamt-Online, daten.berlin.de"), labelled by hand;
  - real Berlin reports with personal data or accusations, pseudonymised by hand (plates, e-mail
    addresses, phone numbers and names replaced by invented ones);
  - texts written for this set in the style of those reports: spam, personal data, accusations,
    and clean reports that come close (a neighbour mentioned without blame, a stolen bike without
    a suspect), so that the clean rate is not measured on easy texts only.
Labels: [] (clean) or any of "spam", "personal_data", "accusation".
"""

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "reports" / "berlin-ordnungsamt-online-2017-2024.json"
OUT = ROOT / "stadtlotse" / "intake" / "tests" / "data" / "screening_set.jsonl"

# Ids in the random sample whose hand label is not "clean".
SAMPLE_LABELS = {
    4892056: ["accusation"],   # a man "foreign-looking" said to run a car trade on the public car park
}

# Real reports with personal data or accusations, pseudonymised (origin id kept for the record).
BERLIN_PSEUDONYMISED = [
    (4771381, "VW Polo mit dem amtl. Kennzeichen B KL 427, TÜV 05/2023. Dieses Fahrzeug steht seit Sommer 2022 "
              "auf dem Mittelstreifen und wurde seitdem nicht mehr bewegt.", ["personal_data"]),
    (5030729, "Baustelle im Hinterhof seit Tagen ungesichert. Im Haus wohnen Kleinkinder die gefährdet sein "
              "könnten durch die offene Baustelle. Bauherr ist bau.kontakt@beispielbau.de Verantwortliche "
              "Hausverwaltung ist info@hv-muster.de", ["personal_data"]),
    (5213865, "Gift gegen Tiere wurde von einem Mann verteilt im Dunkeln, Ich bin Fr. Dr. Lindner 030 55512347 "
              "für Fragen", ["personal_data"]),
    (5243957, "Fahrzeug Renault silber B-QT 2718 blockiert die Grundstückszufahrt", ["personal_data"]),
    (5265953, "Das Auto mit Kennzeichen B RV 3141 parkt fast täglich an der selbe Stelle und behindert Fußgänger "
              "und Kinder die morgens zu Schule oder Kita müssen.", ["personal_data"]),
    (5270920, "Auf dem Hof filmt der Mieter, aus der Wohnung unten links, öffentlichen Bereich von seinem Balkon "
              "aus. Die Kamera ist am Fenster montiert.", ["accusation"]),
    (5271940, "-----Ursprüngliche Nachricht----- Von: Ravi Kannan <r.kannan77@beispielmail.de> Gesendet: "
              "Donnerstag, 11. Januar 2024 15:24 Betreff: Fwd: Dringender Termin zu Gewerbeanmeldung",
              ["personal_data"]),
    (5283999, "Wurde am Samstag d. 13.1.24 um 13:55 von einem Transporter mit dem Kennzeichen B - ZU 6120 "
              "abgeladen. Großer Sprinter von der Fa. Umzugsfix", ["personal_data"]),
    (5284006, "Die zur Absperrung während des Weihnachtsmarktes aufgestellte Straßenabsperrung brannte tlws. ab. "
              "Die Brandreste liegen seither frei zugänglich im Straßenraum. Der Eigentümer der Gegenstände ist "
              "die Fa. Absperrdienst, Tel. 030 5550199", ["personal_data"]),
    (5289372, "Ladesäule seit mehr als 12 Stunden von Fahrzeug B-KW2204E (Cupra) belegt.", ["personal_data"]),
    (5289306, "Seit Oktober 2023 steht auf dem P+R Parkplatz ein Mercedes wo die Autoreifen kaputt sind und "
              "besetzt einen Parkplatz. Kennzeichen B-DF 5813. Das Auto steht immer noch.", ["personal_data"]),
    (5289574, "Fußgänger-Weg! Zugeparkt! Gefährdung von anderen Verkehrsteilnehmern!! Am 16.01.2024 Uhrzeit 19:15, "
              "Kennzeichen ; B-GH7731,Fahrer angesprochen, kein Kommentar", ["personal_data"]),
]

WRITTEN_ACCUSATIONS = [
    "Der Nachbar aus dem Vorderhaus klaut regelmäßig die Pakete aus dem Hausflur.",
    "Mein Nachbar dealt seit Wochen vor dem Spielplatz, jeden Abend kommen Leute und holen was ab.",
    "Herr Krüger aus der Nr. 12 säuft jeden Tag auf der Bank und pöbelt Kinder an.",
    "Frau Sommer im 3. OG belästigt ständig die anderen Mieter und schreit im Treppenhaus.",
    "Unser Hausmeister stiehlt Sperrmüll und verkauft ihn dann weiter.",
    "Der Vermieter lässt den Müll absichtlich liegen, er ist ein Betrüger und kassiert trotzdem Nebenkosten.",
    "Der Typ vom Kiosk an der Ecke verkauft Drogen an Jugendliche, das weiß hier jeder.",
    "Familie Yilmaz aus dem Erdgeschoss entsorgt ihren Müll illegal im Park. Die stehlen auch Fahrräder.",
    "Thomas Berger aus der Gartenstraße 4 fährt jeden Abend betrunken mit dem Auto nach Hause.",
    "Die Nachbarin gegenüber vergiftet die Tauben mit Rattengift, ich habe es selbst gesehen.",
    "Der Besitzer vom Späti verkauft nachts Alkohol an Kinder und ist ein Krimineller.",
    "Herr M. aus dem zweiten Stock schlägt seinen Hund im Hof, das arme Tier jault jeden Tag.",
    "Mein Vermieter hat die Mülltonnen angezündet, um die Versicherung zu betrügen.",
    "Der Mann aus Hausnummer 7 belästigt Frauen an der Bushaltestelle.",
    "Der Wirt der Eckkneipe schenkt an Betrunkene aus, danach prügeln sich seine Gäste auf der Straße.",
    "Die Frau vom Blumenladen klaut nachts die Blumen aus den öffentlichen Beeten.",
    "Mein Nachbar Jürgen Hoffmann kokst im Treppenhaus und lässt die Spritzen liegen.",
    "Der Halter des weißen Transporters ist ein Schwarzarbeiter und lädt hier jeden Tag Bauschutt ab.",
    "Der Hundebesitzer aus dem Haus 3 lässt den Kampfhund frei laufen, der Hund hat schon Kinder gebissen und er droht allen.",
    "Kollege meines Mannes dealt am Bahnhof, er heißt Dennis und wohnt in der Nr. 22.",
    "Herr Dr. Schwarz betreibt in seiner Garage eine illegale Werkstatt und betrügt die Kunden.",
    "Der Hausverwalter bedroht die Mieter, wenn sie sich über den Müll beschweren.",
    "Frau Lehmann füttert nicht nur die Tauben, sie stiehlt auch die Blumenkästen vom Nachbarhaus.",
    "Der Kerl aus dem Seitenflügel ist ein Junkie, er schläft im Keller und klaut Fahrräder.",
    "Unsere Nachbarn von oben sind Säufer, sie werfen Flaschen vom Balkon auf den Gehweg.",
    "Die Betreiberin der Shisha-Bar hinterzieht Steuern und lässt Gäste auf dem Gehweg randalieren.",
    "Der Inhaber vom Autohaus an der Ecke parkt seine Autos auf dem Gehweg und ist ein Verbrecher.",
    "Ich weiß, wer die Graffiti sprüht: Lukas Neumann aus der 9b, er zerkratzt auch Autos.",
    "Der Mann in der Wohnung über mir verprügelt seine Frau, man hört es jede Nacht.",
    "Mein Ex-Freund stalkt mich und wartet jeden Abend an der Bushaltestelle.",
    "Frau Kaya von gegenüber beleidigt Passanten und spuckt vom Balkon.",
    "Der Eigentümer vom Haus 14 vermietet illegal an Touristen und ist ein Abzocker, er betrügt die Stadt.",
    "Herr Wagner, der Hausmeister, trinkt schon morgens und räumt deshalb keinen Schnee.",
    "Der Nachbar mit dem roten Golf fährt immer viel zu schnell, gestern hat er fast ein Kind überfahren, der ist kriminell.",
    "Die Jugendlichen vom Haus 5, vor allem der Sohn von Familie Becker, zünden Mülltonnen an.",
    "Sabine Fischer lässt ihren Müll immer vor dem Haus meines Vaters liegen, sie macht das mit Absicht, sie ist asozial.",
    "Der Betreiber der Baustelle beschäftigt Leute schwarz und lässt den Schutt einfach liegen.",
    "Mein Nachbar hat mein Fahrrad geklaut und fährt jetzt damit herum.",
    "Der ältere Herr aus dem Eckhaus fotografiert heimlich Kinder auf dem Spielplatz.",
    "Der Mieter aus der Wohnung 4 dealt aus dem Fenster heraus, es kommen ständig fremde Leute.",
    "Herr Özdemir vom Gemüseladen bedroht Kunden mit einem Messer.",
    "Unser Vermieter ist ein Lügner und ein Betrüger, die Heizung ist seit Monaten kaputt.",
    "Der Typ mit dem Pitbull aus der Nr. 3 lässt den Hund auf andere Hunde los und lacht darüber.",
    "Die Nachbarin im 1. Stock ist Alkoholikerin und wirft nachts Flaschen in den Hof.",
    "Peter Schulz, der Wirt vom Goldenen Anker, schenkt nach Mitternacht aus und seine Gäste randalieren.",
    "Herr K. wohnt im Haus 8. Er verkauft gestohlene Fahrräder im Hinterhof.",
    "Mein Nachbar quält seine Katze, sie ist immer eingesperrt auf dem Balkon.",
    "Die Schwiegermutter meines Nachbarn klaut Äpfel vom Baum im Park und zertrampelt die Beete.",
    "Der Chef der Baufirma Meier lässt seine Arbeiter illegal auf dem Gehweg Asbest entsorgen, er ist korrupt.",
    # Harder ones that need more than a word list (kept to measure honestly what is missed):
    "Der Herr im grauen Mantel, der jeden Morgen am Kiosk steht, verkauft dort irgendwelche Tabletten.",
    "Ich bin sicher, dass der neue Mieter über uns hinter den Einbrüchen im Keller steckt.",
    "Die Frau mit dem Kinderwagen aus Haus 2 wirft absichtlich ihren Hausmüll in den Papiercontainer, sie macht das nur um uns zu ärgern.",
]

WRITTEN_PERSONAL_DATA = [
    "Sperrmüll vor dem Haus, bitte rufen Sie mich an: 0176 55512345.",
    "Seit drei Tagen liegt Müll im Hof, Rückfragen gerne an jana.weber@beispiel.de",
    "Das Auto mit dem Kennzeichen B-KM 2045 steht seit Wochen auf dem Radweg.",
    "Falschparker auf dem Behindertenparkplatz, Kennzeichen M-AB 123, schon der dritte Tag.",
    "Ich habe für die Reinigung schon bezahlt, meine IBAN ist DE89 3704 0044 0532 0130 00, bitte erstatten.",
    "Schlagloch vor Hausnummer 18. Erreichbar unter +49 30 5551234 (tagsüber).",
    "Der LKW HH-XY 987 parkt jede Nacht in der Feuerwehrzufahrt.",
    "Bitte melden Sie sich bei mir, meine Nummer ist 030/55519876.",
    "Defekte Straßenlaterne, Kontakt: m.schneider (at) example.org",
    "Wohnmobil mit Kennzeichen PM-RT 44 steht seit zwei Monaten im Wohngebiet.",
    "Illegaler Müll am Waldrand. Mail: tobias1984@gmx.de Tel. 0151-55501234",
    "Motorrad ohne Versicherung, Kennzeichen B-Q 712, immer vor dem Eingang.",
    "Überweisen Sie die Rückerstattung der Parkgebühr bitte auf DE02120300000000202051.",
    "Graffiti an der Schulwand, Fotos schicke ich gerne per WhatsApp: 0160 5557788.",
    "Das Taxi B-TX 5512 blockiert jeden Morgen die Bushaltestelle.",
    "Auto mit Kennzeichen HB-MA 1203 verliert Öl auf dem Parkplatz.",
    "Kaputte Bank im Park. Bei Fragen: Anna Schmidt, anna.schmidt@web.de, 0170 5554433",
    "Der rote Transporter B-RT 301 lädt hier jeden Freitag Bauschutt ab.",
    "Baum droht umzufallen. Ich wohne nebenan und bin unter 0331 5558899 zu erreichen.",
    "Bitte die Gebühr auf mein Konto DE75 5121 0800 1245 1261 99 zurück überweisen.",
    "Wasserrohrbruch auf dem Gehweg, Hausverwaltung erreichbar unter 030 555 12 34 56.",
    "Sperrmüll seit einer Woche; ich bin Frau Keller, Tel. 0172 5551122.",
    "Das Auto mit dem Kennzeichen b-xy 1234 parkt täglich auf dem Gehweg.",
    "Ampel defekt, schreiben Sie mir an kontakt@mustermann-familie.de",
    "Der Kleinbus K-LN 880 steht seit Tagen mit laufendem Motor vor der Kita.",
    "Anhänger ohne Zugfahrzeug, Kennzeichen: F-GH 45, steht hier seit Juli.",
    "Fragen gerne an meine Tochter: lena.k@posteo.de",
    "Herrenloses Fahrrad am Zaun, Rückruf bitte unter 0049 176 55543210.",
    "Auto brennt aus, Kennzeichen war B-EZ 4455E.",
    "Laub verstopft den Gully. Kontakt über +49 (0) 40 5550123.",
    "Der SUV mit dem Kennzeichen S-KL 9090 parkt seit Tagen im Halteverbot.",
    "Rückmeldung bitte per Mail an peter-mueller@t-online.de, danke.",
]

WRITTEN_SPAM = [
    "Günstige Kredite ohne Schufa!!! Jetzt bestellen unter www.kredit-sofort.biz",
    "aaaaaaaaaaaaaaaaaaaaaaaa",
    "test test test test test",
    "Besuchen Sie unser Online Casino und sichern Sie sich 200 Euro Bonus: https://casino-bonus.example",
    "Viagra und Cialis günstig ohne Rezept kaufen",
    "asdfghjkl qwertz",
    "Schnell Geld verdienen von zu Hause! Schreiben Sie uns auf Telegram.",
    "!!!!!!!!!!!!!!!!!!!!!!!!!",
    "1234567890 1234567890",
    "Sie haben gewonnen! Klicken Sie hier um Ihren Preis abzuholen.",
    "Buy cheap followers now, best price guaranteed, click here",
    "Hallo hallo hallo hallo hallo",
    "SEO Backlinks für Ihre Website, beste Preise, jetzt anmelden",
    "Bitcoin investieren mit garantierter Rendite, rendite garantiert 30% im Monat",
    "xxxxxxxxxxxxxxxxx xxxxxxx",
    "Singles in Ihrer Nähe warten auf Sie https://dating.example.com",
    "Kryptowährung kaufen leicht gemacht: www.krypto-jetzt.io",
    "Potenzmittel diskret bestellen",
    "Gratis iPhone gewinnen beim Gewinnspiel, nur heute!",
    "dfgdfgdfg sdfsdfsdf",
    "Hier könnte Ihre Werbung stehen: www.werbung-billig.de",
    "Escort Service Berlin diskret und günstig",
    "hahahahahahahahahahaha",
    "?????????????????",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Lorem ipsum dolor sit amet. <a href=\"x\">link</a>",
    "Follower kaufen und Likes kaufen, sofort geliefert",
    "Nebenverdienst gesucht? 500 Euro am Tag, Infos auf https://job.example.net",
    "kkkkkkkkkkkkkk",
    "Sportwetten Bonus Code: WIN2024",
    "Abnehmen ohne Sport mit unseren Diät Pillen",
    "Rabattcode für Pizza Lieferung: PIZZA50",
    "Hallo ich teste nur mal ob das geht lol",
]

WRITTEN_CLEAN = [
    "Mein Nachbar hat mich darauf hingewiesen, dass die Straßenlaterne vor Haus 12 seit Tagen flackert.",
    "Fahrrad seit Wochen am Zaun angeschlossen, vermutlich gestohlen, bitte entfernen.",
    "Im Park wird abends gedealt, bitte öfter kontrollieren und die Beleuchtung reparieren.",
    "Herr Meier von der Hausverwaltung hat gesagt, die Stadt sei für den Baum zuständig. Der Ast hängt auf den Gehweg.",
    "Der Spielplatz ist voller Glasscherben, Kinder können sich verletzen.",
    "Frau Schulz aus dem Erdgeschoss ist gehbehindert und kommt wegen der Baustelle nicht mehr aus dem Haus.",
    "Vor der Grundschule fehlt ein Zebrastreifen, die Autos fahren sehr schnell.",
    "Ein älterer Mann sitzt seit Tagen bei Kälte im Hauseingang und wirkt verwirrt. Bitte jemanden schicken.",
    "Unser Hausmeister hat den Gehweg geräumt, aber die Straße ist komplett vereist.",
    "Betrunkene Personen lassen nachts Flaschen auf dem Spielplatz liegen.",
    "Die Mülleimer am Kanal quellen über, vermutlich wegen des schönen Wetters.",
    "Drogenbesteck liegt in der Grünanlage neben dem Sandkasten, bitte dringend entfernen.",
    "Die Ampel an der Kreuzung Hauptstraße / Rheinstraße schaltet für Fußgänger viel zu kurz.",
    "Gestohlene Einkaufswagen stehen im Gebüsch neben dem Supermarkt.",
    "Die Nachbarn und ich würden uns freuen, wenn der Sperrmüll bald abgeholt wird.",
    "Karl-Marx-Straße Ecke Weichselstraße: Schlagloch auf dem Radweg, schon zwei Stürze gesehen.",
    "Anna von nebenan hat die kaputte Bank fotografiert, das Foto ist angehängt.",
    "Laute Musik aus der Bar bis 3 Uhr nachts, die Anwohner können nicht schlafen.",
    "Illegal abgelagerter Bauschutt am Waldweg, ca. 3 Kubikmeter.",
    "Die Haltestelle der Linie M41 hat kein Dach mehr, bei Regen steht man im Nassen.",
    "Einbruchspuren an der Tür des Stromkastens, das Schloss ist aufgebrochen.",
    "Jemand hat die Blumenkübel vor der Bibliothek umgeworfen, die Erde liegt auf dem Gehweg.",
    "Mein Sohn ist auf dem Weg zur Schule auf dem vereisten Gehweg gestürzt, bitte streuen.",
    "Die Baustelle der Firma Meier & Söhne ist nachts nicht beleuchtet, Absperrungen liegen auf der Straße.",
    "Wildschweine haben die Grünfläche am Friedhof komplett umgegraben.",
    "Ein Hund ohne Leine hat auf dem Spielplatz Kinder erschreckt, bitte Schilder aufstellen.",
    "Am Bahnhof Südkreuz ist der Aufzug seit zwei Wochen defekt, für Rollstuhlfahrer unmöglich.",
    "Auf der Parkbank schläft seit Tagen eine Frau, sie braucht vielleicht Hilfe.",
    "Die Straßenschilder in der Lessingstraße sind mit Aufklebern zugeklebt und kaum lesbar.",
    "Jugendliche treffen sich abends am Brunnen, es ist laut und es bleibt viel Müll liegen.",
]


def main():
    # The raw Berlin reports are not in the repository (they are the source, the set is the product);
    # only a maintainer with ../shared beside the checkout rebuilds the set.
    if not SOURCE.is_file():
        raise SystemExit(f"{SOURCE} is missing: rebuilding the set needs ../shared/data/reports beside the checkout.")
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    records = [r for r in data["records"] if len((r.get("sachverhalt") or "").strip()) >= 25]
    rng = random.Random(2026)
    sample = rng.sample(records, 170)
    rows = []
    taken = {r[0] for r in BERLIN_PSEUDONYMISED}
    for record in sample:
        if record["id"] in taken:
            continue
        text = " ".join(record["sachverhalt"].split())
        rows.append({"text": text, "labels": SAMPLE_LABELS.get(record["id"], []),
                     "origin": f"berlin-ordnungsamt:{record['id']}"})
    for record_id, text, labels in BERLIN_PSEUDONYMISED:
        rows.append({"text": text, "labels": labels, "origin": f"berlin-ordnungsamt:{record_id} (pseudonymised)"})
    for texts, labels in ((WRITTEN_ACCUSATIONS, ["accusation"]), (WRITTEN_PERSONAL_DATA, ["personal_data"]),
                          (WRITTEN_SPAM, ["spam"]), (WRITTEN_CLEAN, [])):
        rows.extend({"text": t, "labels": labels, "origin": "written"} for t in texts)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} texts written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
