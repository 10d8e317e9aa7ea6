from flask import Blueprint

bp = Blueprint("photos", __name__, url_prefix="/photos")
