"""Words the traffic generator writes with: fictional Montreal businesses, Quebec French and
English phrases by tone, and the people who write them. Data only; no logic lives here."""

from __future__ import annotations

# Each business: its name, the street and neighbourhood, what people talk about (with the
# article, so templates need no grammar), and the staff they name.
BUSINESSES: tuple[dict[str, object], ...] = (
    {
        "name": "Café Saint-Laurent",
        "street": "boulevard Saint-Laurent",
        "area": "le Mile End",
        "fr": ("les croissants", "la chocolatine", "le pain au levain", "le latte à l'avoine", "les bagels", "la tarte au sucre"),
        "en": ("the croissants", "the sourdough", "the oat latte", "the bagels", "the sugar pie", "the almond croissant"),
        "staff": ("Mélanie", "Karim", "Sophie"),
    },
    {
        "name": "Quincaillerie Rosemont",
        "street": "rue Masson",
        "area": "Rosemont",
        "fr": ("la peinture", "les souffleuses", "le comptoir à clés", "les pneus d'hiver", "le service de location", "les vis à terrasse"),
        "en": ("the paint counter", "the snowblowers", "the key cutting", "the rental service", "the deck screws", "the garden section"),
        "staff": ("Réjean", "Nathalie", "Jonathan"),
    },
    {
        "name": "Studio Yoga Verdun",
        "street": "rue Wellington",
        "area": "Verdun",
        "fr": ("le cours de yin", "le yoga prénatal", "le hot yoga du mardi", "l'abonnement mensuel", "le cours en plein air",
               "la méditation guidée"),
        "en": ("the yin class", "the prenatal yoga", "the Tuesday hot yoga", "the monthly pass", "the outdoor class", "the guided meditation"),
        "staff": ("Geneviève", "Priya", "Olivier"),
    },
    {
        "name": "Vélo Hochelaga",
        "street": "rue Ontario",
        "area": "Hochelaga",
        "fr": ("la mise au point", "les vélos électriques", "l'atelier de réparation", "les pneus cloutés", "la location de BIXI-cargo"),
        "en": ("the tune-up", "the e-bikes", "the repair shop", "the studded tires", "the cargo bike rental"),
        "staff": ("Maxime", "Chloé", "Samir"),
    },
)

# Tones and how often each one comes; "spam" is what a real inbox must learn to sweep away.
TONES: tuple[tuple[str, float], ...] = (
    ("praise", 0.32), ("question", 0.26), ("angry", 0.14), ("complaint", 0.10), ("neutral", 0.08), ("spam", 0.10),
)
# Stars a review of each tone gives (lists to pick from).
RATINGS: dict[str, tuple[int, ...]] = {
    "praise": (5, 5, 5, 4), "question": (4, 5, 3), "angry": (1, 1, 2), "complaint": (2, 3, 2), "neutral": (3, 4), "spam": (5, 1),
}

# Slots: {business} {product} {street} {area} {staff} {hour} {emoji}
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "fr": {
        "praise": (
            "Vraiment écoeurant, {product}! On revient la semaine prochaine {emoji}",
            "Merci {staff} pour l'accueil, toujours aussi fin. Meilleure place sur {street}!",
            "{product} est pas pire pantoute, je recommande à tout {area} {emoji}",
            "Wow. Juste wow. {business}, vous êtes les meilleurs {emoji}{emoji}",
            "Enfin une place dans {area} où le service est chaleureux. Bravo à l'équipe!",
            "J'ai essayé {product} samedi passé: malade! Continuez comme ça.",
        ),
        "question": (
            "Allo! Est-ce que vous êtes ouverts le 24 juin?",
            "C'est-tu possible de réserver {product} pour samedi matin?",
            "Bonjour, avez-vous encore {product} en stock? Merci!",
            "Vous fermez à quelle heure le dimanche? Je peux passer vers {hour}?",
            "Est-ce qu'il y a du stationnement proche sur {street}?",
            "Acceptez-vous les cartes-cadeaux achetées en ligne?",
        ),
        "angry": (
            "Tabarnak, 45 minutes d'attente pour {product}. Jamais plus!!!",
            "Service vraiment poche aujourd'hui. {staff} m'a même pas regardé. Honteux.",
            "J'ai été chargé DEUX FOIS et personne répond au téléphone. Je veux un remboursement!",
            "C'est une honte. {product} était complètement raté et on m'a ri en pleine face.",
            "Arnaque. Je vais porter plainte à l'Office de la protection du consommateur.",
        ),
        "complaint": (
            "Un peu déçu de {product} cette fois-ci, c'était pas comme d'habitude.",
            "Les prix ont monté pas mal depuis l'an passé... dommage.",
            "Pas de place pour s'asseoir vers {hour}, c'est toujours plein.",
            "Le site web dit ouvert mais c'était fermé à {hour}. Mettez-le à jour svp.",
        ),
        "neutral": (
            "Passé devant {business} sur {street} ce matin, il y avait une file.",
            "Quelqu'un a essayé {product}?",
            "{business} déménage ou c'est juste des rénos?",
        ),
        "spam": (
            "GAGNEZ un iPhone gratuit!!! Cliquez ici bit.ly/gratuit-qc 🎁🎁",
            "Besoin de 10 000 abonnés? Écrivez-moi en privé 🔥 prix imbattable",
            "Je fais 3000$/semaine de la maison, lien dans ma bio 💰💰💰",
        ),
    },
    "en": {
        "praise": (
            "Honestly {product} is the best in Montreal {emoji}",
            "Shout out to {staff}, super friendly as always. Best spot on {street}!",
            "Can't get enough of {product}. {area} is lucky to have you {emoji}",
            "Five stars. {business} never disappoints {emoji}",
            "Came in on a rainy day and left smiling. Thanks team!",
        ),
        "question": (
            "Hi! Are you open on Canada Day?",
            "Do you have {product} available this weekend?",
            "Is there parking nearby on {street}?",
            "What time do you close on Sundays? Can I drop by around {hour}?",
            "Do you ship outside Quebec?",
        ),
        "angry": (
            "Waited 40 minutes for {product}. Absolutely ridiculous!!!",
            "I was charged twice and nobody answers the phone. Unacceptable.",
            "Worst experience ever. {staff} was rude and the manager didn't care.",
            "Total scam. Reporting you to the Better Business Bureau.",
        ),
        "complaint": (
            "A bit disappointed with {product} this time, not like before.",
            "Prices went up a lot this year... too bad.",
            "Website says open but you were closed at {hour}. Please update it.",
        ),
        "neutral": (
            "Anyone tried {product} yet?",
            "Walked by {business} this morning, there was a lineup.",
            "Is {business} moving or just renovating?",
        ),
        "spam": (
            "Want 10k followers FAST? DM me 🔥🔥 cheap prices",
            "I made $3000 this week from home, link in bio 💰",
            "FREE gift card giveaway!!! click bit.ly/free-mtl-gift 🎁",
        ),
    },
}

# Answers one customer writes to another's comment.
REPLIES: dict[str, tuple[str, ...]] = {
    "fr": (
        "@{to} tellement d'accord!", "@{to} moi aussi ça m'est arrivé...", "@{to} essaie le samedi matin, c'est plus tranquille",
        "@{to} voyons donc, exagère pas 😂", "@{to} oui ils sont ouverts, j'y suis allée hier",
    ),
    "en": (
        "@{to} totally agree!", "@{to} same thing happened to me...", "@{to} try Saturday morning, it's quieter",
        "@{to} come on, it's not that bad 😂", "@{to} yes they're open, I went yesterday",
    ),
}

EMOJI: tuple[str, ...] = ("🥐", "☕", "❤️", "🔥", "👌", "😍", "🙏", "👍🏽", "🇨🇦", "⚜️", "🧘‍♀️", "🚲", "🔨", "😋")
HOURS: tuple[str, ...] = ("8 h", "11 h 30", "midi", "17 h", "19 h", "21 h")
HOURS_EN: tuple[str, ...] = ("8am", "11:30", "noon", "5pm", "7pm", "9pm")

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "fr": ("Julie", "Mathieu", "Élodie", "François", "Catherine", "Jean-Philippe", "Marie-Ève", "Guillaume", "Annie",
           "Sébastien", "Noémie", "Étienne", "Gabrielle", "Louis", "Maude", "Yannick", "Fatima", "Mamadou"),
    "en": ("Sarah", "Michael", "Emily", "David", "Jessica", "Ryan", "Olivia", "Daniel", "Hannah", "Kevin", "Priya", "Wei"),
}
LAST_NAMES: tuple[str, ...] = (
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné", "Ouellet",
    "Pelletier", "Bélanger", "Lévesque", "Nguyen", "Cohen", "Smith", "O'Brien", "Haddad", "Benali",
)
SPAM_NAMES: tuple[str, ...] = ("Promo Followers Pro", "Crypto King 💰", "Cadeaux Gratuits QC", "Jenny Hot Deals")
