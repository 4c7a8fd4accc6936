"""Names for the matcher's synthetic set (``devtools.matching_set``): the demo's lists (common Mexican given
names and surnames) and more of the names that make matching hard: compound surnames with particles, compound
given names, names Spanish spells with letters that sound alike (b/v, s/z/c, j/g/x, y/ll, h), and the common
names shared by many unrelated persons. Fictional combinations only."""

from devtools.demo.names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

MORE_MALE = [
    "José Luis",
    "Juan Carlos",
    "José de Jesús",
    "Juan Manuel",
    "Luis Alberto",
    "Jesús Alberto",
    "Víctor Hugo",
    "Gerardo",
    "Gilberto",
    "Joel",
    "Ezequiel",
    "Higinio",
    "Heriberto",
    "Hugo",
    "Baltazar",
    "Valentín",
    "Xavier",
    "Geovanni",
    "Yahir",
    "Ulises",
    "Efraín",
    "Isidro",
    "Cuauhtémoc",
    "Gonzalo",
    "Everardo",
]
MORE_FEMALE = [
    "María Guadalupe",
    "María de Jesús",
    "Ana María",
    "María del Carmen",
    "María de los Ángeles",
    "Yesenia",
    "Xóchitl",
    "Yolanda",
    "Belén",
    "Viviana",
    "Jazmín",
    "Esmeralda",
    "Gisela",
    "Celia",
    "Zulema",
    "Graciela",
    "Herlinda",
    "Hilda",
    "Noemí",
    "Rocío",
    "Llanet",
    "Betzabé",
]
# Surnames with particles (split or joined on lists: "De la Cruz", "Delacruz", "Cruz") and surnames spelled
# several ways (Vázquez / Velázquez are different names; Ibarra / Ybarra the same).
COMPOUND_SURNAMES = [
    "De la Cruz",
    "De León",
    "De los Santos",
    "Del Ángel",
    "De la Rosa",
    "De la Torre",
    "Del Río",
    "De Jesús",
    "De la Fuente",
    "San Juan",
]
MORE_SURNAMES = [
    "Ibarra",
    "Villanueva",
    "Zavala",
    "Cervantes",
    "Bravo",
    "Gallegos",
    "Olvera",
    "Quintero",
    "Valenzuela",
    "Zúñiga",
    "Yáñez",
    "Xicoténcatl",
    "Hurtado",
    "Cisneros",
    "Villegas",
    "Jaramillo",
    "Quiñones",
    "Arellano",
    "Becerra",
    "Esquivel",
    "Escobedo",
    "Llamas",
    "Sepúlveda",
    "Solís",
    "Velasco",
    "Zepeda",
    "Tapia",
    "Trejo",
    "Valdez",
    "Cázares",
]
# How a name is written by someone who heard it (each pair sounds the same in Spanish).
SOUND_ALIKE = [
    ("v", "b"),
    ("b", "v"),
    ("z", "s"),
    ("s", "z"),
    ("ll", "y"),
    ("y", "ll"),
    ("j", "g"),
    ("ge", "je"),
    ("gi", "ji"),
    ("x", "j"),
    ("h", ""),
    ("ce", "se"),
    ("ci", "si"),
    ("qu", "k"),
]

MALE = GIVEN_MALE + MORE_MALE
FEMALE = GIVEN_FEMALE + MORE_FEMALE
# Common surnames weigh more (as they do in the population): the demo's list twice.
ALL_SURNAMES = SURNAMES * 3 + MORE_SURNAMES + COMPOUND_SURNAMES
