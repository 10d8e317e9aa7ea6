from flask import Blueprint

bp = Blueprint("field_notes", __name__, url_prefix="/notes")
