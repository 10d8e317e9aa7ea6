from flask import Blueprint

bp = Blueprint("districts", __name__, url_prefix="/districts")
