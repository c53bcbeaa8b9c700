"""English and Danish text of the studio page.

The approach of the study site (:mod:`a2i.labeling.i18n`): one plain table with both languages side by
side, :func:`translate` falling back to English and then to the key. The page's script gets the strings it
needs as JSON inside the page, so it never builds text from anything but this table and the song's data.

Examples
--------
>>> translate("upload.drop", "da")
'Slip en sang her, eller vælg en fil'
>>> pick_language("da-DK,da;q=0.9", None)
'da'
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "da": "Dansk"}
DEFAULT_LANGUAGE = "en"

STRINGS: dict[str, dict[str, str]] = {
    "title": {"en": "a2i studio", "da": "a2i studie"},
    "tagline": {"en": "Pictures and a music video from your song, made on this computer.",
                "da": "Billeder og en musikvideo ud fra din sang, lavet på denne computer."},
    "skip": {"en": "Skip to content", "da": "Gå til indhold"},
    "language": {"en": "Language", "da": "Sprog"},
    "songs": {"en": "Your songs", "da": "Dine sange"},
    "songs.none": {"en": "No songs yet. Add one to begin.", "da": "Ingen sange endnu. Tilføj en for at begynde."},
    "upload.drop": {"en": "Drop a song here, or choose a file", "da": "Slip en sang her, eller vælg en fil"},
    "upload.choose": {"en": "Choose a file", "da": "Vælg en fil"},
    "upload.formats": {"en": "mp3, wav, flac, ogg, m4a, aac, opus, aiff · up to {mb} MB and {minutes} minutes",
                       "da": "mp3, wav, flac, ogg, m4a, aac, opus, aiff · op til {mb} MB og {minutes} minutter"},
    "upload.sending": {"en": "Uploading {name}…", "da": "Sender {name}…"},
    "upload.checking": {"en": "Checking the audio…", "da": "Tjekker lyden…"},
    "stage.queued": {"en": "Waiting for its turn", "da": "Venter på tur"},
    "stage.starting": {"en": "Starting", "da": "Starter"},
    "stage.resuming": {"en": "Resuming after a restart", "da": "Fortsætter efter en genstart"},
    "stage.loading": {"en": "Loading the weights", "da": "Indlæser vægtene"},
    "stage.preview": {"en": "Painting a first look", "da": "Maler et første indtryk"},
    "stage.analysing": {"en": "Listening to the song", "da": "Lytter til sangen"},
    "stage.painting": {"en": "Painting the clips", "da": "Maler klippene"},
    "stage.rendering": {"en": "Rendering the video", "da": "Renderer videoen"},
    "stage.joining": {"en": "Adding the sound", "da": "Lægger lyden på"},
    "stage.done": {"en": "Done", "da": "Færdig"},
    "stage.failed": {"en": "Failed", "da": "Mislykkedes"},
    "stage.cancelled": {"en": "Cancelled", "da": "Annulleret"},
    "left": {"en": "about {time} left", "da": "cirka {time} tilbage"},
    "frames": {"en": "frame {done} of {total}", "da": "billede {done} af {total}"},
    "cancel": {"en": "Cancel", "da": "Annuller"},
    "song.tempo": {"en": "Tempo", "da": "Tempo"},
    "song.confidence": {"en": "beat confidence {value}", "da": "taktsikkerhed {value}"},
    "song.key": {"en": "Key", "da": "Toneart"},
    "song.loudness": {"en": "Loudness", "da": "Lydstyrke"},
    "song.length": {"en": "Length", "da": "Længde"},
    "song.valence": {"en": "Valence (sad → happy)", "da": "Valens (trist → glad)"},
    "song.energy": {"en": "Energy (calm → intense)", "da": "Energi (rolig → intens)"},
    "song.sections": {"en": "Sections", "da": "Afsnit"},
    "song.hover": {"en": "Hover or focus a clip to hear it; Enter plays it, Escape stops.",
                   "da": "Hold musen over et klip eller vælg det for at høre det; Enter afspiller, Escape stopper."},
    "song.remove": {"en": "Remove song", "da": "Fjern sang"},
    "song.remove.confirm": {"en": "Remove this song, its pictures and video?", "da": "Fjern denne sang, dens billeder og video?"},
    "section": {"en": "Section {name} · clips {clips}: change them all", "da": "Afsnit {name} · klip {clips}: ændr dem alle"},
    "section.prompt": {"en": "A prompt for the whole section, e.g. a {mood} city at night",
                       "da": "En prompt til hele afsnittet, f.eks. a {mood} city at night"},
    "pictures": {"en": "Pictures", "da": "Billeder"},
    "clip": {"en": "Clip {n}", "da": "Klip {n}"},
    "preview": {"en": "first look", "da": "første indtryk"},
    "reroll": {"en": "Re-roll", "da": "Nyt forsøg"},
    "reroll.help": {"en": "Paint this clip again with a new seed", "da": "Mal klippet igen med et nyt frø"},
    "style": {"en": "Style", "da": "Stil"},
    "style.auto": {"en": "from the prompt", "da": "fra prompten"},
    "prompt": {"en": "Prompt", "da": "Prompt"},
    "prompt.own": {"en": "Paint my prompt", "da": "Mal min prompt"},
    "variants": {"en": "Variants", "da": "Varianter"},
    "variant.choose": {"en": "Use this one", "da": "Brug denne"},
    "variant.chosen": {"en": "chosen", "da": "valgt"},
    "description": {"en": "What it shows", "da": "Hvad det viser"},
    "video": {"en": "Video", "da": "Video"},
    "video.segments": {"en": "Keyframes", "da": "Nøglebilleder"},
    "video.segments.fixed": {"en": "every 10-second clip", "da": "hvert 10-sekunders klip"},
    "video.segments.beats": {"en": "every few bars", "da": "hver få takter"},
    "video.segments.sections": {"en": "every section", "da": "hvert afsnit"},
    "video.size": {"en": "Size", "da": "Størrelse"},
    "video.fps": {"en": "Frames per second", "da": "Billeder pr. sekund"},
    "video.reactivity": {"en": "Reactivity", "da": "Reaktivitet"},
    "video.smooth": {"en": "Smoothing", "da": "Udglatning"},
    "video.render": {"en": "Render video", "da": "Render video"},
    "video.download": {"en": "Download MP4", "da": "Hent MP4"},
    "video.none": {"en": "No video yet.", "da": "Ingen video endnu."},
    "download.zip": {"en": "Download pictures, cards and profile (ZIP)", "da": "Hent billeder, kort og profil (ZIP)"},
    "backend": {"en": "Picture engine", "da": "Billedmotor"},
    "backend.pictures": {"en": "Paint new pictures with", "da": "Mal nye billeder med"},
    "backend.painter": {"en": "Painter (this computer, no downloads)", "da": "Maler (denne computer, intet at hente)"},
    "backend.sdxl": {"en": "Stable Diffusion XL", "da": "Stable Diffusion XL"},
    "error.network": {"en": "The studio did not answer; is it still running?", "da": "Studiet svarede ikke; kører det stadig?"},
}


# Copied from a2i.labeling.i18n.translate (the studio and the study site are separate apps of one layer)
def translate(key: str, lang: str, **params: object) -> str:
    """The text of ``key`` in ``lang`` (English, then the key itself, when missing), with ``params`` filled in."""
    entry = STRINGS.get(key)
    text = key if entry is None else entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def pick_language(accept: str | None, chosen: str | None) -> str:
    """The musician's choice (a cookie) if valid, else the browser's first supported language, else English."""
    if chosen in LANGUAGES:
        return chosen
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
