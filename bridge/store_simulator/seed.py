"""Demo data shaped like a fresh PrestaShop 9 install with demo products (products 1-19, orders 1-5).

Names, prices and states follow PrestaShop's demo fixtures closely enough for tests; exact references and stock
levels of a real install differ (only product 19 "Customizable mug" with stock 300 is relied upon).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bridge.store_simulator.resources import RESOURCES, Resource
from bridge.store_simulator.storage import SimulatorStorage

LANG_EN = 1
LANG_FR = 2

# Tax rules groups -> rate in percent, as for a French shop (the default country decides the rate in PrestaShop).
TAX_RATES: dict[int, Decimal] = {1: Decimal("20"), 2: Decimal("10"), 3: Decimal("5.5"), 4: Decimal("2.1")}

SEED_DATE = "2025-01-15 10:00:00"

# (id, english name, french name, tax-excluded price, stock, category)
_PRODUCTS: list[tuple[int, str, str, str, int, int]] = [
    (1, "Hummingbird printed t-shirt", "T-shirt imprimé colibri", "23.900000", 300, 5),
    (2, "Hummingbird printed sweater", "Pull imprimé colibri", "35.900000", 300, 4),
    (3, "The best is yet to come' Framed poster", "Affiche encadrée The best is yet to come", "29.000000", 900, 9),
    (4, "The adventure begins Framed poster", "Affiche encadrée The adventure begins", "29.000000", 900, 9),
    (5, "Today is a good day Framed poster", "Affiche encadrée Today is a good day", "29.000000", 900, 9),
    (6, "Mug The best is yet to come", "Mug The best is yet to come", "11.900000", 300, 8),
    (7, "Mug The adventure begins", "Mug The adventure begins", "11.900000", 300, 8),
    (8, "Mug Today is a good day", "Mug Today is a good day", "11.900000", 300, 8),
    (9, "Mountain fox cushion", "Coussin renard", "18.900000", 300, 8),
    (10, "Brown bear cushion", "Coussin ours brun", "18.900000", 300, 8),
    (11, "Hummingbird cushion", "Coussin colibri", "18.900000", 300, 8),
    (12, "Mountain fox - Vector graphics", "Illustration vectorielle renard", "9.000000", 300, 9),
    (13, "Brown bear - Vector graphics", "Illustration vectorielle ours brun", "9.000000", 300, 9),
    (14, "Hummingbird - Vector graphics", "Illustration vectorielle colibri", "9.000000", 300, 9),
    (15, "Pack Mug + Framed poster", "Pack mug + affiche encadrée", "35.000000", 100, 8),
    (16, "Mountain fox notebook", "Carnet de notes renard", "12.900000", 1200, 7),
    (17, "Brown bear notebook", "Carnet de notes ours brun", "12.900000", 1200, 7),
    (18, "Hummingbird notebook", "Carnet de notes colibri", "12.900000", 1200, 7),
    (19, "Customizable mug", "Mug personnalisable", "13.900000", 300, 8),
]

# The 13 default order states: (id, english, french, template, flags).
_ORDER_STATES: list[tuple[int, str, str, str, dict[str, str]]] = [
    (1, "Awaiting check payment", "En attente du paiement par chèque", "cheque", {"send_email": "1"}),
    (2, "Payment accepted", "Paiement accepté", "payment",
     {"send_email": "1", "logable": "1", "invoice": "1", "paid": "1", "pdf_invoice": "1"}),
    (3, "Processing in progress", "En cours de préparation", "preparation",
     {"send_email": "1", "logable": "1", "invoice": "1", "paid": "1", "delivery": "1"}),
    (4, "Shipped", "Expédié", "shipped",
     {"send_email": "1", "logable": "1", "invoice": "1", "paid": "1", "delivery": "1", "shipped": "1",
      "pdf_delivery": "1", "pdf_invoice": "1"}),
    (5, "Delivered", "Livré", "",
     {"logable": "1", "invoice": "1", "paid": "1", "delivery": "1", "shipped": "1"}),
    (6, "Canceled", "Annulé", "order_canceled", {"send_email": "1"}),
    (7, "Refunded", "Remboursé", "refund", {"send_email": "1", "invoice": "1", "paid": "1", "pdf_invoice": "1"}),
    (8, "Payment error", "Erreur de paiement", "payment_error", {"send_email": "1"}),
    (9, "On backorder (paid)", "En attente de réapprovisionnement (payé)", "outofstock",
     {"send_email": "1", "logable": "1", "invoice": "1", "paid": "1"}),
    (10, "Awaiting bank wire payment", "En attente de virement bancaire", "bankwire", {"send_email": "1"}),
    (11, "Remote payment accepted", "Paiement à distance accepté", "payment",
     {"send_email": "1", "logable": "1", "invoice": "1", "paid": "1"}),
    (12, "On backorder (not paid)", "En attente de réapprovisionnement (non payé)", "outofstock",
     {"send_email": "1"}),
    (13, "Awaiting Cash On Delivery validation", "En attente de validation du paiement à la livraison",
     "cashondelivery", {"send_email": "1", "logable": "1"}),
]

# Orders: (id, reference, current_state, customer, carrier, payment, rows [(product id, qty)], tracking number)
_ORDERS: list[tuple[int, str, int, int, int, str, list[tuple[int, int]], str]] = [
    (1, "XKBKNABJK", 6, 2, 2, "Payment by check", [(1, 1), (2, 1)], ""),
    (2, "OHSATSERP", 1, 2, 2, "Payment by check", [(1, 2), (6, 1)], ""),
    (3, "UOYEVOLI", 8, 2, 2, "Payment by check", [(19, 1), (16, 2)], ""),
    (4, "FFATNOMMJ", 4, 2, 2, "Payment by check", [(19, 3)], "1Z999AA10123456784"),
    (5, "KHWLILZLL", 10, 2, 2, "Bank wire", [(7, 1), (3, 1)], ""),
]

_CONFIGURATION: list[tuple[str, str]] = [
    ("PS_LANG_DEFAULT", "1"),
    ("PS_WEBSERVICE", "1"),
    ("PS_SEARCH_INDEXATION", "1"),
    ("PS_ORDER_OUT_OF_STOCK", "0"),
    ("PS_STOCK_MANAGEMENT", "1"),
    ("PS_SHOP_DOMAIN", "localhost"),
]


def blank_object(resource: Resource) -> dict[str, Any]:
    """An object whose every field holds PrestaShop's null value (what a POST of nothing would store)."""
    obj: dict[str, Any] = {}
    for f in resource.fields:
        obj[f.name] = {str(LANG_EN): "", str(LANG_FR): ""} if f.lang else f.null_value()
    if resource.associations:
        obj["associations"] = {name: [] for name in resource.associations}
    return obj


def _slug(text: str) -> str:
    out = "".join(c.lower() if c.isascii() and c.isalnum() else "-" for c in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.000001')):f}"


def seed(storage: SimulatorStorage, shop_domain: str = "localhost") -> None:
    """Fill an empty storage with the demo store."""
    r = RESOURCES
    for lang_id, name, iso, locale in ((LANG_EN, "English (English)", "en", "en-US"),
                                       (LANG_FR, "Français (French)", "fr", "fr-FR")):
        obj = blank_object(r["languages"])
        obj.update(id=lang_id, name=name, iso_code=iso, locale=locale, language_code=locale.lower(), active="1",
                   date_format_lite="m/d/Y" if iso == "en" else "d/m/Y",
                   date_format_full="m/d/Y H:i:s" if iso == "en" else "d/m/Y H:i:s")
        storage.insert("languages", obj)

    for index, (name, value) in enumerate(_CONFIGURATION, start=1):
        obj = blank_object(r["configurations"])
        obj.update(id=index, name=name, value=shop_domain if name == "PS_SHOP_DOMAIN" else value,
                   date_add=SEED_DATE, date_upd=SEED_DATE)
        storage.insert("configurations", obj)

    for state_id, en, fr, template, flags in _ORDER_STATES:
        obj = blank_object(r["order_states"])
        obj.update(id=state_id, unremovable="1", color="#34209E", name={"1": en, "2": fr},
                   template={"1": template, "2": template}, **flags)
        storage.insert("order_states", obj)

    for product_id, en, fr, price, stock, category in _PRODUCTS:
        obj = blank_object(r["products"])
        obj.update(
            id=product_id, id_manufacturer="1" if product_id <= 2 else "2", id_supplier="0",
            id_category_default=str(category), new="0", id_default_image=str(product_id), id_tax_rules_group="1",
            type="simple", id_shop_default="1", reference=f"demo_{product_id}", weight="0.300000",
            ean13="", state="1", product_type="standard", minimal_quantity="1", price=price,
            wholesale_price="5.000000", active="1", redirect_type="default", available_for_order="1",
            available_date=SEED_DATE[:10], show_condition="0", condition="new", show_price="1", indexed="1",
            visibility="both", date_add=SEED_DATE, date_upd=SEED_DATE, pack_stock_type="3",
            customizable="1" if product_id == 19 else "0", text_fields="1" if product_id == 19 else "0",
            meta_title={"1": "", "2": ""}, meta_description={"1": "", "2": ""},
            link_rewrite={"1": _slug(en), "2": _slug(fr)}, name={"1": en, "2": fr},
            description={"1": f"<p>{en}</p>", "2": f"<p>{fr}</p>"},
            description_short={"1": f"<p>{en}.</p>", "2": f"<p>{fr}.</p>"},
            associations={"categories": [{"id": "2"}, {"id": str(category)}], "images": [{"id": str(product_id)}],
                          "stock_availables": []},
        )
        storage.insert("products", obj)
        stock_row = blank_object(r["stock_availables"])
        stock_row.update(id=product_id, id_product=str(product_id), id_product_attribute="0", id_shop="1",
                         quantity=str(stock), depends_on_stock="0", out_of_stock="2")
        storage.insert("stock_availables", stock_row)

    carrier_id = 0
    for order_id, reference, state, customer, carrier, payment, rows, tracking in _ORDERS:
        products = {p[0]: p for p in _PRODUCTS}
        order_rows = []
        total = Decimal(0)
        for row_index, (product_id, qty) in enumerate(rows, start=1):
            _, en, _, price, _, _ = products[product_id]
            unit = Decimal(price)
            total += unit * qty
            order_rows.append({
                "id": str(order_id * 10 + row_index), "product_id": str(product_id), "product_attribute_id": "0",
                "product_quantity": str(qty), "product_name": en, "product_reference": f"demo_{product_id}",
                "product_ean13": "", "product_isbn": "", "product_upc": "", "product_price": money(unit),
                "id_customization": "0", "unit_price_tax_incl": money(unit * Decimal("1.2")),
                "unit_price_tax_excl": money(unit),
            })
        shipping = Decimal("7.00")
        obj = blank_object(r["orders"])
        obj.update(
            id=order_id, id_address_delivery="5", id_address_invoice="5", id_cart=str(order_id), id_currency="1",
            id_lang="1", id_customer=str(customer), id_carrier=str(carrier), current_state=str(state),
            module="ps_checkpayment" if "check" in payment else "ps_wirepayment", valid="0",
            date_add=SEED_DATE, date_upd=SEED_DATE, shipping_number=tracking, id_shop_group="1", id_shop="1",
            secure_key="b44a6d9efd7a0076a0fbce6b15eaf3b1", payment=payment, recyclable="0",
            total_paid=money(total * Decimal("1.2") + shipping * Decimal("1.2")),
            total_paid_tax_incl=money(total * Decimal("1.2") + shipping * Decimal("1.2")),
            total_paid_tax_excl=money(total + shipping), total_paid_real="0.000000",
            total_products=money(total), total_products_wt=money(total * Decimal("1.2")),
            total_shipping=money(shipping * Decimal("1.2")), total_shipping_tax_incl=money(shipping * Decimal("1.2")),
            total_shipping_tax_excl=money(shipping), carrier_tax_rate="20.000", round_mode="2", round_type="2",
            conversion_rate="1.000000", reference=reference, associations={"order_rows": order_rows},
        )
        storage.insert("orders", obj)
        history = blank_object(r["order_histories"])
        history.update(id_employee="0", id_order_state=str(state), id_order=str(order_id), date_add=SEED_DATE)
        storage.insert("order_histories", history)
        carrier_id += 1
        oc = blank_object(r["order_carriers"])
        oc.update(id=carrier_id, id_order=str(order_id), id_carrier=str(carrier), id_order_invoice="0",
                  weight="0.300000", shipping_cost_tax_excl=money(shipping),
                  shipping_cost_tax_incl=money(shipping * Decimal("1.2")), tracking_number=tracking,
                  date_add=SEED_DATE)
        storage.insert("order_carriers", oc)
