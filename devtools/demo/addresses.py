"""Fictional street addresses for demo persons: real cities and states, but streets and neighbourhoods
named so that no one can take them for a real home ("Example St", "Calle Ficticia", "Col. Ejemplo").

Drawn from a random generator of their own, so adding addresses leaves the rest of a seed's data as it was.
"""

from __future__ import annotations

import random
from collections.abc import Callable

# Share of demo persons with each address recorded.
US_ADDRESS_SHARE = 0.45
MEXICO_ADDRESS_SHARE = 0.55

US_STREETS = [
    "Example St",
    "Sample Ave",
    "Demo Rd",
    "Fictional Ln",
    "Placeholder Dr",
    "Specimen Blvd",
    "Nowhere Ct",
    "Imaginary Way",
]
# City, state and the first three digits of its ZIP codes.
US_CITIES = [
    ("Dallas", "TX", "752"),
    ("Houston", "TX", "770"),
    ("San Antonio", "TX", "782"),
    ("Austin", "TX", "787"),
    ("El Paso", "TX", "799"),
    ("McAllen", "TX", "785"),
    ("Brownsville", "TX", "785"),
    ("Laredo", "TX", "780"),
    ("Del Rio", "TX", "788"),
    ("Eagle Pass", "TX", "788"),
    ("Oklahoma City", "OK", "731"),
    ("Tulsa", "OK", "741"),
    ("Albuquerque", "NM", "871"),
    ("Las Cruces", "NM", "880"),
]
MX_STREETS = [
    "Calle Ficticia",
    "Av. Ejemplo",
    "Callejón Imaginario",
    "Privada Muestra",
    "Calle Demostración",
    "Andador Inventado",
]
MX_NEIGHBOURHOODS = ["Col. Ejemplo", "Col. Ficticia", "Barrio de Muestra", "Col. Demostración", "Centro"]
MX_TOWNS = [
    "Tlaxiaco, Oaxaca",
    "Zacatecas, Zacatecas",
    "Apatzingán, Michoacán",
    "Celaya, Guanajuato",
    "Tepic, Nayarit",
    "Iguala, Guerrero",
    "Ciudad Juárez, Chihuahua",
    "San Luis Potosí, San Luis Potosí",
    "Tehuacán, Puebla",
    "Durango, Durango",
    "Jerez, Zacatecas",
    "Valle de Santiago, Guanajuato",
]


def us_address(rng: random.Random) -> str:
    city, state, zip_prefix = rng.choice(US_CITIES)
    street = f"{rng.randint(100, 9899)} {rng.choice(US_STREETS)}"
    if rng.random() < 0.35:
        street += f", Apt {rng.randint(1, 240)}"
    return f"{street}\n{city}, {state} {zip_prefix}{rng.randint(1, 99):02d}"


def mexico_address(rng: random.Random) -> str:
    number = f"{rng.randint(1, 999)}" if rng.random() < 0.85 else "s/n"
    return f"{rng.choice(MX_STREETS)} {number}, {rng.choice(MX_NEIGHBOURHOODS)}\n{rng.choice(MX_TOWNS)}"


class AddressMaker:
    """The two address columns of a demo person's row, encrypted (COPY bypasses the model fields):
    ``""`` (nothing recorded) for the persons without one."""

    def __init__(self, *, seed: int, encrypt: Callable[[str], str]):
        self.rng = random.Random(seed * 104_729 + 17)
        self.encrypt = encrypt

    def columns(self) -> tuple[str, str]:
        rng = self.rng
        us = self.encrypt(us_address(rng)) if rng.random() < US_ADDRESS_SHARE else ""
        mexico = self.encrypt(mexico_address(rng)) if rng.random() < MEXICO_ADDRESS_SHARE else ""
        return us, mexico
