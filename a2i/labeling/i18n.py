"""English and Danish text for every page.

A plain table rather than gettext catalogues: the site has a few hundred words, and a table keeps both
languages side by side where a researcher can review them. :func:`translate` falls back to English, then
to the key, so a missing Danish string shows English rather than breaking a page.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "da": "Dansk"}
DEFAULT_LANGUAGE = "en"

STRINGS: dict[str, dict[str, str]] = {
    "site.title": {"en": "Music and images study", "da": "Undersøgelse af musik og billeder"},
    "nav.logout": {"en": "Log out", "da": "Log ud"},
    "nav.admin": {"en": "Admin", "da": "Admin"},
    "nav.language": {"en": "Language", "da": "Sprog"},
    "nav.progress": {"en": "Progress", "da": "Fremskridt"},
    "nav.skip": {"en": "Skip to content", "da": "Gå til indhold"},
    "footer.privacy": {"en": "Your answers are stored for research only and never shared with your name.",
                       "da": "Dine svar gemmes kun til forskning og deles aldrig med dit navn."},
    # auth
    "login.title": {"en": "Log in", "da": "Log ind"},
    "login.intro": {"en": "Welcome back. Log in to continue where you left off.",
                    "da": "Velkommen tilbage. Log ind for at fortsætte, hvor du slap."},
    "login.submit": {"en": "Log in", "da": "Log ind"},
    "login.no_account": {"en": "Have an invite code?", "da": "Har du en invitationskode?"},
    "login.register_link": {"en": "Create an account", "da": "Opret en konto"},
    "login.error": {"en": "Invalid username or password.", "da": "Forkert brugernavn eller adgangskode."},
    "login.throttled": {"en": "Too many failed attempts. Please wait a few minutes and try again.",
                        "da": "For mange mislykkede forsøg. Vent et par minutter, og prøv igen."},
    "register.title": {"en": "Create your account", "da": "Opret din konto"},
    "register.intro": {"en": "Taking part needs an invite code from the research team.",
                       "da": "Du skal have en invitationskode fra forskerholdet for at deltage."},
    "register.submit": {"en": "Create account", "da": "Opret konto"},
    "register.have_account": {"en": "Already registered?", "da": "Allerede registreret?"},
    "field.invite": {"en": "Invite code", "da": "Invitationskode"},
    "field.username": {"en": "Username", "da": "Brugernavn"},
    "field.username.help": {"en": "Letters and digits only, 3 to 32 characters.",
                            "da": "Kun bogstaver og tal, 3 til 32 tegn."},
    "field.password": {"en": "Password", "da": "Adgangskode"},
    "field.password.help": {"en": "At least 8 characters.", "da": "Mindst 8 tegn."},
    "field.confirm": {"en": "Confirm password", "da": "Bekræft adgangskode"},
    "error.invite": {"en": "This invite code is not valid, has expired or has been used up.",
                     "da": "Invitationskoden er ugyldig, udløbet eller brugt op."},
    "error.username": {"en": "Use 3 to 32 letters and digits.", "da": "Brug 3 til 32 bogstaver og tal."},
    "error.username_taken": {"en": "This username is taken; choose another.",
                             "da": "Brugernavnet er optaget; vælg et andet."},
    "error.password": {"en": "The password needs at least 8 characters.",
                       "da": "Adgangskoden skal have mindst 8 tegn."},
    "error.confirm": {"en": "The two passwords differ.", "da": "De to adgangskoder er forskellige."},
    "error.required": {"en": "This field is required.", "da": "Dette felt skal udfyldes."},
    "error.choice": {"en": "Choose one of the options.", "da": "Vælg en af mulighederne."},
    "error.age": {"en": "Enter your age in years (16 to 120).", "da": "Angiv din alder i år (16 til 120)."},
    "error.text": {"en": "Use at most {n} characters.", "da": "Brug højst {n} tegn."},
    "error.form": {"en": "Please correct the marked fields.", "da": "Ret venligst de markerede felter."},
    "error.bypass": {"en": "This study link is not valid or has been used up.",
                     "da": "Dette undersøgelseslink er ugyldigt eller brugt op."},
    # survey
    "survey.title": {"en": "About you", "da": "Om dig"},
    "survey.intro": {"en": "A few questions before we start. They help us understand how people hear music.",
                     "da": "Et par spørgsmål før vi begynder. De hjælper os med at forstå, hvordan folk "
                           "oplever musik."},
    "survey.age": {"en": "Age", "da": "Alder"},
    "survey.sex": {"en": "Sex", "da": "Køn"},
    "survey.sex.female": {"en": "Female", "da": "Kvinde"},
    "survey.sex.male": {"en": "Male", "da": "Mand"},
    "survey.sex.other": {"en": "Other", "da": "Andet"},
    "survey.sex.undisclosed": {"en": "Prefer not to say", "da": "Ønsker ikke at oplyse"},
    "survey.nationality": {"en": "Nationality", "da": "Nationalitet"},
    "survey.birth_nationality": {"en": "Nationality at birth", "da": "Nationalitet ved fødslen"},
    "survey.music_listening": {"en": "How much music do you listen to?", "da": "Hvor meget musik lytter du til?"},
    "survey.music.rarely": {"en": "Rarely", "da": "Sjældent"},
    "survey.music.weekly": {"en": "A few times a week", "da": "Et par gange om ugen"},
    "survey.music.daily": {"en": "Up to 2 hours a day", "da": "Op til 2 timer om dagen"},
    "survey.music.heavy": {"en": "More than 2 hours a day", "da": "Mere end 2 timer om dagen"},
    "survey.preferred_language": {"en": "Preferred language", "da": "Foretrukket sprog"},
    "survey.submit": {"en": "Continue", "da": "Fortsæt"},
    "form.choose": {"en": "Choose…", "da": "Vælg…"},
    # task page
    "tutorial.title": {"en": "Practice", "da": "Øvelse"},
    "tutorial.intro": {"en": "First a short practice round, so you know how a task works.",
                       "da": "Først en kort øvelsesrunde, så du ved, hvordan en opgave fungerer."},
    "task.title": {"en": "Task", "da": "Opgave"},
    "task.progress": {"en": "{stage} {n} of {total}", "da": "{stage} {n} af {total}"},
    "task.listen": {"en": "1. Listen to the clip", "da": "1. Lyt til klippet"},
    "task.play": {"en": "Play", "da": "Afspil"},
    "task.pause": {"en": "Pause", "da": "Pause"},
    "task.replay": {"en": "Replay from start", "da": "Afspil forfra"},
    "task.choose": {"en": "2. Choose the images that match the music",
                    "da": "2. Vælg de billeder, der passer til musikken"},
    "task.choose.help": {"en": "Select between {min} and {max} images. Selected: {count}.",
                         "da": "Vælg mellem {min} og {max} billeder. Valgt: {count}."},
    "task.image": {"en": "Image {n}", "da": "Billede {n}"},
    "task.liked": {"en": "3. Did you like the music?", "da": "3. Kunne du lide musikken?"},
    "task.liked.yes": {"en": "Yes", "da": "Ja"},
    "task.liked.no": {"en": "No", "da": "Nej"},
    "task.liked.unsure": {"en": "Not sure", "da": "Ved ikke"},
    "task.bad_audio": {"en": "Report a problem with the audio (silent, distorted, does not play)",
                       "da": "Rapportér et problem med lyden (stille, forvrænget, afspilles ikke)"},
    "task.submit": {"en": "Submit answer", "da": "Send svar"},
    "task.need_play": {"en": "Play the clip before answering.", "da": "Afspil klippet, før du svarer."},
    "task.need_liked": {"en": "Tell us whether you liked the music.", "da": "Fortæl os, om du kunne lide musikken."},
    "task.need_count": {"en": "Select between {min} and {max} images.", "da": "Vælg mellem {min} og {max} billeder."},
    "task.saved": {"en": "Answer saved.", "da": "Svar gemt."},
    "task.reveal": {"en": "The highlighted images were painted from this song.",
                    "da": "De fremhævede billeder blev malet ud fra denne sang."},
    "task.continue": {"en": "Continue", "da": "Fortsæt"},
    "task.error": {"en": "Your answer could not be saved. Check your connection and try again.",
                   "da": "Dit svar kunne ikke gemmes. Tjek din forbindelse, og prøv igen."},
    "task.loading": {"en": "Loading…", "da": "Indlæser…"},
    "task.none": {"en": "All items have enough answers already; thank you for coming.",
                  "da": "Alle emner har allerede nok svar; tak fordi du kom."},
    # feedback and thanks
    "feedback.title": {"en": "Any comments?", "da": "Nogen kommentarer?"},
    "feedback.intro": {"en": "Optional: tell us anything about the study, the music or the images.",
                       "da": "Valgfrit: fortæl os hvad som helst om undersøgelsen, musikken eller billederne."},
    "feedback.text": {"en": "Your feedback", "da": "Din feedback"},
    "feedback.submit": {"en": "Send and finish", "da": "Send og afslut"},
    "feedback.skip": {"en": "Finish without feedback", "da": "Afslut uden feedback"},
    "thanks.title": {"en": "Thank you!", "da": "Tak!"},
    "thanks.body": {"en": "Your answers have been saved. You can close this page.",
                    "da": "Dine svar er gemt. Du kan lukke denne side."},
    "thanks.return": {"en": "Return to the recruitment site", "da": "Tilbage til rekrutteringssiden"},
    # errors
    "errorpage.title": {"en": "Something went wrong", "da": "Noget gik galt"},
    "errorpage.home": {"en": "Back to the study", "da": "Tilbage til undersøgelsen"},
    # admin
    "admin.title": {"en": "Study progress", "da": "Undersøgelsens fremskridt"},
    "admin.participants": {"en": "Participants", "da": "Deltagere"},
    "admin.submissions": {"en": "Answers", "da": "Svar"},
    "admin.items": {"en": "Items", "da": "Emner"},
    "admin.by_stage": {"en": "Participants by stage", "da": "Deltagere pr. trin"},
    "admin.item": {"en": "Item", "da": "Emne"},
    "admin.song": {"en": "Song", "da": "Sang"},
    "admin.assigned": {"en": "Assigned", "da": "Tildelt"},
    "admin.answered": {"en": "Answered", "da": "Besvaret"},
    "admin.target": {"en": "Target", "da": "Mål"},
    "admin.fill": {"en": "Item fill", "da": "Emnernes fyldning"},
    "admin.exports": {"en": "Exports", "da": "Eksport"},
    "admin.agreement": {"en": "Agreement per clip", "da": "Enighed pr. klip"},
    "admin.agreement.intro": {
        "en": "Hit rate: share of picked images that came from the clip's own song, against the chance level "
              "(own images shown / images shown). Alpha: Krippendorff's alpha (nominal) over picked / not "
              "picked, images as units and participants as coders. Tutorial answers are left out.",
        "da": "Træfrate: andelen af valgte billeder, der kom fra klippets egen sang, mod tilfældighedsniveauet "
              "(egne billeder vist / billeder vist). Alfa: Krippendorffs alfa (nominel) over valgt / ikke valgt, "
              "med billeder som enheder og deltagere som kodere. Øvelsessvar er udeladt."},
    "admin.no_data": {"en": "No answers yet.", "da": "Ingen svar endnu."},
    "admin.invites": {"en": "Latest invites", "da": "Seneste invitationer"},
    "admin.code": {"en": "Code", "da": "Kode"},
    "admin.kind": {"en": "Kind", "da": "Type"},
    "admin.uses": {"en": "Uses", "da": "Brug"},
    "admin.expires": {"en": "Expires", "da": "Udløber"},
    "stage.survey": {"en": "Survey", "da": "Spørgeskema"},
    "stage.tutorial": {"en": "Practice", "da": "Øvelse"},
    "stage.tasks": {"en": "Tasks", "da": "Opgaver"},
    "stage.feedback": {"en": "Feedback", "da": "Feedback"},
    "stage.done": {"en": "Finished", "da": "Færdig"},
}


def translate(key: str, lang: str, **params: object) -> str:
    """The text for ``key`` in ``lang`` (English when missing), with ``{name}`` fields filled in."""
    entry = STRINGS.get(key)
    text = key if entry is None else entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def best_language(requested: str | None, accept_header_best: str | None) -> str:
    """The first supported of an explicit choice and the browser's preference, else English."""
    for lang in (requested, accept_header_best):
        if lang and lang[:2] in LANGUAGES:
            return lang[:2]
    return DEFAULT_LANGUAGE
