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
    "footer.resume": {"en": "Your personal link to continue later, on this or another device (keep it private):",
                      "da": "Dit personlige link til at fortsætte senere, på denne eller en anden enhed (hold det "
                            "for dig selv):"},
    "footer.withdraw": {"en": "Withdraw from the study", "da": "Træk dig fra undersøgelsen"},
    # consent
    "consent.title": {"en": "Information and consent", "da": "Information og samtykke"},
    "consent.intro": {"en": "Please read this before you decide to take part.",
                      "da": "Læs venligst dette, før du beslutter, om du vil deltage."},
    "consent.what": {"en": "What you will do", "da": "Hvad du skal gøre"},
    "consent.what.body": {
        "en": "You answer a few questions about yourself, then listen to short music clips and choose the "
              "pictures that match each clip's mood.",
        "da": "Du besvarer et par spørgsmål om dig selv, lytter derefter til korte musikklip og vælger de "
              "billeder, der passer til hvert klips stemning."},
    "consent.researcher": {"en": "Who runs the study", "da": "Hvem står bag undersøgelsen"},
    "consent.duration": {"en": "How long it takes", "da": "Hvor lang tid det tager"},
    "consent.data_use": {"en": "How your data are used", "da": "Hvordan dine data bruges"},
    "consent.withdrawal": {"en": "Your right to withdraw", "da": "Din ret til at trække dig"},
    "consent.contact": {"en": "Questions? Write to {contact}.", "da": "Spørgsmål? Skriv til {contact}."},
    "consent.version": {"en": "Consent text version {version}", "da": "Samtykketekst version {version}"},
    "consent.agree": {"en": "I have read the information above and agree to take part.",
                      "da": "Jeg har læst informationen ovenfor og indvilliger i at deltage."},
    "consent.submit": {"en": "I agree, start the study", "da": "Jeg indvilliger, start undersøgelsen"},
    "consent.required": {"en": "Tick the box to agree, or close this page if you do not want to take part.",
                         "da": "Sæt kryds for at indvillige, eller luk siden, hvis du ikke vil deltage."},
    # resuming an anonymous participation
    "resume.title": {"en": "You have already started this study",
                     "da": "Du er allerede i gang med denne undersøgelse"},
    "resume.body": {"en": "Someone with this participant ID has already started through this link. To protect "
                          "their answers, the study only continues where it can tell it is the same person. "
                          "You can continue:",
                    "da": "En deltager med dette ID er allerede gået i gang via dette link. For at beskytte "
                          "svarene fortsætter undersøgelsen kun, hvor den kan se, at det er den samme person. "
                          "Du kan fortsætte:"},
    "resume.same_browser": {"en": "in the browser where you started, by opening the study link again;",
                            "da": "i den browser, hvor du startede, ved at åbne undersøgelseslinket igen;"},
    "resume.link": {"en": "with your personal link, shown at the bottom of every study page;",
                    "da": "med dit personlige link, som står nederst på hver side i undersøgelsen;"},
    "resume.platform": {"en": "or by reopening the study from the recruitment site (for example Prolific), "
                              "which sends the same session as your first visit.",
                        "da": "eller ved at åbne undersøgelsen igen fra rekrutteringssiden (for eksempel "
                              "Prolific), som sender samme session som dit første besøg."},
    "resume.contact": {"en": "None of these work? Write to {contact}.",
                       "da": "Virker intet af det? Skriv til {contact}."},
    # study full
    "full.title": {"en": "The study is full", "da": "Undersøgelsen er fuld"},
    "full.body": {"en": "Thank you for your interest. Every clip already has all the answers we need, so "
                        "there is no task left for you. Nothing more is needed from you.",
                  "da": "Tak for din interesse. Alle klip har allerede de svar, vi har brug for, så der er "
                        "ingen opgave tilbage til dig. Du behøver ikke gøre mere."},
    "full.return": {"en": "Return to the recruitment site", "da": "Tilbage til rekrutteringssiden"},
    # withdrawal
    "withdraw.title": {"en": "Withdraw from the study", "da": "Træk dig fra undersøgelsen"},
    "withdraw.body": {"en": "If you withdraw, every answer you gave is deleted now and will not be used. "
                            "You do not need to give a reason.",
                      "da": "Hvis du trækker dig, slettes alle dine svar nu og bliver ikke brugt. "
                            "Du behøver ikke at give en grund."},
    "withdraw.confirm": {"en": "Yes, delete all my answers. I understand this cannot be undone.",
                         "da": "Ja, slet alle mine svar. Jeg forstår, at det ikke kan fortrydes."},
    "withdraw.required": {"en": "Tick the box to confirm, or go back to the study.",
                          "da": "Sæt kryds for at bekræfte, eller gå tilbage til undersøgelsen."},
    "withdraw.submit": {"en": "Withdraw and delete my answers", "da": "Træk mig og slet mine svar"},
    "withdraw.cancel": {"en": "Go back to the study", "da": "Tilbage til undersøgelsen"},
    "withdrawn.title": {"en": "You have withdrawn", "da": "Du har trukket dig"},
    "withdrawn.body": {"en": "Your answers have been deleted. Thank you for your time.",
                       "da": "Dine svar er slettet. Tak for din tid."},
    # auth
    "login.title": {"en": "Log in", "da": "Log ind"},
    "login.intro": {"en": "Welcome back. Log in to continue where you left off.",
                    "da": "Velkommen tilbage. Log ind for at fortsætte, hvor du slap."},
    "login.submit": {"en": "Log in", "da": "Log ind"},
    "login.no_account": {"en": "Have an invite code?", "da": "Har du en invitationskode?"},
    "login.register_link": {"en": "Create an account", "da": "Opret en konto"},
    "login.error": {"en": "Invalid username or password.", "da": "Forkert brugernavn eller adgangskode."},
    "login.throttled": {"en": "Too many failed attempts. Please try again in {wait} s.",
                        "da": "For mange mislykkede forsøg. Prøv igen om {wait} s."},
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
    "error.resume": {"en": "This personal link is not valid: it may have been mistyped, or the participation "
                           "was withdrawn.",
                     "da": "Dette personlige link er ugyldigt: det kan være skrevet forkert, eller deltagelsen er "
                           "trukket tilbage."},
    "error.platform_param": {"en": "The link's {name} must be 1 to 64 letters, digits, '_' or '-'.",
                             "da": "Linkets {name} skal være 1 til 64 bogstaver, tal, '_' eller '-'."},
    "error.language": {"en": "Unknown language; choose one of {choices}.",
                       "da": "Ukendt sprog; vælg et af {choices}."},
    "error.busy": {"en": "Many people are signing up right now. Please wait a few seconds and try again.",
                   "da": "Mange tilmelder sig lige nu. Vent et par sekunder, og prøv igen."},
    "error.no_study": {"en": "The study is not open yet. Please try again later.",
                       "da": "Undersøgelsen er ikke åben endnu. Prøv igen senere."},
    "error.admin_only": {"en": "This page is for the study's administrators.",
                         "da": "Denne side er for undersøgelsens administratorer."},
    "error.csrf": {"en": "This form has expired, or your session ended. Go back, reload the page and try again.",
                   "da": "Formularen er udløbet, eller din session er slut. Gå tilbage, genindlæs siden, og prøv "
                         "igen."},
    "errors.400": {"en": "The request could not be understood.", "da": "Forespørgslen kunne ikke forstås."},
    "errors.401": {"en": "Your session has ended. Please log in again or reopen your study link.",
                   "da": "Din session er slut. Log ind igen, eller åbn dit undersøgelseslink igen."},
    "errors.403": {"en": "You do not have access to this page.", "da": "Du har ikke adgang til denne side."},
    "errors.404": {"en": "This page does not exist.", "da": "Denne side findes ikke."},
    "errors.405": {"en": "This page cannot be opened that way.", "da": "Denne side kan ikke åbnes på den måde."},
    "errors.413": {"en": "What you sent is too large.", "da": "Det, du sendte, er for stort."},
    "errors.429": {"en": "Too many requests. Please wait a moment and try again.",
                   "da": "For mange forespørgsler. Vent et øjeblik, og prøv igen."},
    "errors.500": {"en": "Something broke on our side. Your earlier answers are safe; please try again.",
                   "da": "Der gik noget galt hos os. Dine tidligere svar er gemt; prøv venligst igen."},
    "errors.503": {"en": "The site is busy or not ready. Please try again in a moment.",
                   "da": "Siden er optaget eller ikke klar. Prøv igen om et øjeblik."},
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
    "survey.country_of_birth": {"en": "Country of birth", "da": "Fødeland"},
    "survey.country_of_residence": {"en": "Country of residence", "da": "Bopælsland"},
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
    "task.conflict": {"en": "This task was already answered, perhaps in another tab or window. Your answer "
                            "there was kept; here comes your next task.",
                      "da": "Denne opgave er allerede besvaret, måske i en anden fane eller et andet vindue. "
                            "Svaret derfra er gemt; her er din næste opgave."},
    "task.session_ended": {"en": "Your session has ended. Reload the page or reopen your study link to go on.",
                           "da": "Din session er slut. Genindlæs siden, eller åbn dit undersøgelseslink igen "
                                 "for at fortsætte."},
    "task.announce": {"en": "{stage} {n} of {total} is ready.", "da": "{stage} {n} af {total} er klar."},
    "task.image_loading": {"en": "Image {n}, loading", "da": "Billede {n}, indlæses"},
    "task.zoom": {"en": "Enlarge image {n}", "da": "Forstør billede {n}"},
    "task.zoom.select": {"en": "Select this image", "da": "Vælg dette billede"},
    "task.zoom.deselect": {"en": "Deselect this image", "da": "Fravælg dette billede"},
    "task.zoom.close": {"en": "Close", "da": "Luk"},
    "task.loading": {"en": "Loading…", "da": "Indlæser…"},
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
    "thanks.code": {"en": "Your completion code", "da": "Din gennemførelseskode"},
    "thanks.code.help": {"en": "Keep this code: the recruitment site may ask for it.",
                         "da": "Gem denne kode: rekrutteringssiden kan spørge efter den."},
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
    "admin.n": {"en": "Answers", "da": "Svar"},
    "admin.hit_rate": {"en": "Hit rate", "da": "Træfrate"},
    "admin.chance": {"en": "Chance", "da": "Tilfældighed"},
    "admin.lift": {"en": "Lift", "da": "Løft"},
    "admin.alpha": {"en": "Krippendorff's alpha", "da": "Krippendorffs alfa"},
    "admin.capacity": {"en": "Capacity", "da": "Kapacitet"},
    "admin.capacity.help": {
        "en": "{items} items × {per_item} answers each ÷ {tasks} tasks per participant = {capacity} participants.",
        "da": "{items} emner × {per_item} svar hver ÷ {tasks} opgaver pr. deltager = {capacity} deltagere."},
    "admin.places_left": {"en": "Places left", "da": "Pladser tilbage"},
    "admin.turned_away": {"en": "Arrived when full (no tasks)", "da": "Kom, da den var fuld (ingen opgaver)"},
    "admin.turned_away.none": {"en": "Nobody has been turned away.", "da": "Ingen er blevet afvist."},
    "admin.participant": {"en": "Participant", "da": "Deltager"},
    "admin.arrived": {"en": "Arrived", "da": "Ankom"},
    "admin.delete": {"en": "Delete a participant's data", "da": "Slet en deltagers data"},
    "admin.delete.help": {"en": "Deletes every answer, the survey and the account of the participant with this "
                                "id (the user_id column of the exports), e.g. when they ask to withdraw by e-mail.",
                          "da": "Sletter alle svar, spørgeskemaet og kontoen for deltageren med dette id "
                                "(kolonnen user_id i eksporten), f.eks. når de beder om at trække sig pr. e-mail."},
    "admin.delete.submit": {"en": "Delete", "da": "Slet"},
    "admin.deleted": {"en": "Participant {id} and all their answers were deleted.",
                      "da": "Deltager {id} og alle deres svar er slettet."},
    "admin.bad_user_id": {"en": "The participant id must be a whole number written in the digits 0-9 (the user_id "
                                "column of the exports).",
                          "da": "Deltager-id'et skal være et helt tal skrevet med cifrene 0-9 (kolonnen user_id i "
                                "eksporterne)."},
    "admin.not_found": {"en": "There is no participant {id}.", "da": "Der er ingen deltager {id}."},
    "admin.retention": {"en": "Retention: identifiers are removed {days} days after a participant finishes "
                              "(`a2i label purge`).",
                        "da": "Opbevaring: identifikatorer fjernes {days} dage efter, at en deltager er færdig "
                              "(`a2i label purge`)."},
    "admin.retention.none": {"en": "Retention: no period set (RETENTION_DAYS); data are kept until deleted.",
                             "da": "Opbevaring: ingen periode sat (RETENTION_DAYS); data gemmes, indtil de slettes."},
    "admin.pilot": {"en": "pilot", "da": "pilot"},
    "admin.invites": {"en": "Latest invites", "da": "Seneste invitationer"},
    "admin.code": {"en": "Code", "da": "Kode"},
    "admin.kind": {"en": "Kind", "da": "Type"},
    "admin.uses": {"en": "Uses", "da": "Brug"},
    "admin.expires": {"en": "Expires", "da": "Udløber"},
    "stage.consent": {"en": "Consent", "da": "Samtykke"},
    "stage.survey": {"en": "Survey", "da": "Spørgeskema"},
    "stage.tutorial": {"en": "Practice", "da": "Øvelse"},
    "stage.tasks": {"en": "Tasks", "da": "Opgaver"},
    "stage.feedback": {"en": "Feedback", "da": "Feedback"},
    "stage.done": {"en": "Finished", "da": "Færdig"},
    "stage.full": {"en": "Turned away (full)", "da": "Afvist (fuld)"},
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
