#
# Copyright (c) 2026, pipecat-interrupts developers
#
# SPDX-License-Identifier: BSD-2-Clause
#

"""Default interrupt and backchannel phrases, per language (Latin script).

Interrupt phrases always cut the bot off, wherever they appear in the utterance
("okay, wait" interrupts). Backchannel phrases never do, but only when the whole
utterance is made of them (and fillers): "yeah, but..." is not a backchannel. Matching
ignores case, accents, punctuation, letter elongation ("yeahhh") and repetition.

A single "no" is deliberately in neither list: it is often an answer, so the text
detector decides.
"""

INTERRUPT_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "stop", "wait", "hold on", "hang on", "hold up", "no no", "no wait", "no stop",
        "one second", "one sec", "just a second", "just a sec", "just a moment",
        "one moment", "a moment", "excuse me", "sorry", "pardon", "actually", "but",
        "shut up", "be quiet", "quiet", "enough", "stop talking", "let me speak",
        "let me talk", "let me finish", "listen", "hey", "cancel", "never mind",
        "nevermind", "that's wrong", "that's not right", "that's not what i", "not what i",
        "i said", "i didn't say", "what", "pause", "slow down", "say that again",
        "repeat that", "operator", "representative", "human", "real person",
        "can i ask", "quick question", "i have a question", "question",
    ),
    "es": (
        "para", "espera", "espere", "alto", "un momento", "momento", "un segundo",
        "no no", "perdón", "disculpa", "disculpe", "oye", "oiga", "cállate", "detente",
        "pero", "escucha", "escuche", "basta", "repite", "un segundito", "momentito",
        "espérate", "espérame",
    ),
    "fr": (
        "arrête", "arrêtez", "attends", "attendez", "stop", "une seconde", "un instant",
        "un moment", "non non", "pardon", "excusez-moi", "excuse-moi", "mais", "écoute",
        "écoutez", "tais-toi", "taisez-vous", "assez", "une petite seconde",
        "un petit instant",
    ),
    "de": (
        "stopp", "stop", "halt", "warte", "warten sie", "warte mal", "moment",
        "einen moment", "moment mal", "sekunde", "eine sekunde", "nein nein",
        "entschuldigung", "aber", "hör auf", "hören sie auf", "hör mal", "hören sie",
        "entschuldigen sie", "augenblick", "einen augenblick",
    ),
    "hi": (
        "ruko", "rukiye", "ruk jao", "ruk", "bas", "bas karo", "ek minute", "ek min",
        "ek second", "ek sec", "nahi nahi", "nahin nahin", "suno", "suniye", "sunie",
        "chup", "chup karo", "thahro", "lekin", "par suno",
    ),
}

BACKCHANNEL_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "mhm", "mm hmm", "mmhmm", "uh huh", "uh hu", "hmm", "mm", "yeah", "yes", "yep",
        "yup", "ya", "yah", "right", "okay", "ok", "o k", "k", "alright", "all right",
        "sure", "got it", "i see", "i understand", "i hear you", "understood", "gotcha",
        "cool", "nice", "great", "true", "exactly", "indeed", "oh", "ah", "aha",
        "makes sense", "that makes sense", "fair enough", "sounds good", "perfect",
        "wow", "really", "interesting", "go on", "go ahead", "i know", "totally",
        "absolutely", "of course", "definitely", "good", "fine", "that's right",
        "that's true", "i'm listening", "i'm with you", "with you", "uh yeah", "oh okay",
        "oh i see", "oh nice", "oh wow", "yes yes", "sure thing", "thank you", "thanks",
        "yea", "okey", "okie", "kay", "yes sir", "yes ma'am", "sounds great", "that's fine",
        "that's good", "that's great", "no problem", "no worries", "noted", "i get it",
    ),
    "es": (
        "sí", "claro", "vale", "ajá", "ok", "okay", "de acuerdo", "entiendo", "ya",
        "bueno", "perfecto", "exacto", "cierto", "genial", "muy bien", "está bien",
        "ya veo", "claro que sí", "por supuesto", "mhm", "eso", "sale", "dale",
        "sí señor", "entendido", "okey", "órale", "correcto",
    ),
    "fr": (
        "oui", "ouais", "d'accord", "ok", "je vois", "bien sûr", "exactement",
        "c'est ça", "voila", "ah bon", "super", "parfait", "entendu", "tout a fait",
        "mhm", "bon", "oui oui", "effectivement", "bien", "tres bien", "je comprends",
        "mmh", "c'est bon", "ah oui", "compris",
    ),
    "de": (
        "ja", "genau", "okay", "ok", "alles klar", "stimmt", "richtig", "klar",
        "verstehe", "ich verstehe", "aha", "mhm", "gut", "super", "jawohl", "sicher",
        "natürlich", "ja ja", "na klar", "sehr gut", "in ordnung", "prima",
        "ach so", "jaja", "verstanden", "alles gut", "passt",
    ),
    "hi": (
        "haan", "haa", "ha", "ji", "haan ji", "ji haan", "hanji", "accha", "achha",
        "acha", "theek hai", "thik hai", "theek", "thik", "sahi", "sahi hai", "bilkul",
        "samajh gaya", "samajh gayi", "samjha", "ok ji", "hmm", "haan haan", "accha ji",
        "sahi baat", "sahi baat hai", "ji ji", "theek hai ji",
    ),
}

FILLERS: tuple[str, ...] = ("um", "umm", "uhm", "uh", "er", "erm", "eh", "ehm", "em")

SUPPORTED_LANGUAGES: tuple[str, ...] = tuple(INTERRUPT_PHRASES)
