"""GET /api/v1/healthcheck/ping: is the app up and can it reach its database."""

from marshmallow import Schema, fields

from housing_app.api.blueprint import Blueprint
from housing_app.database import read_connection

blp = Blueprint("healthcheck", __name__, url_prefix="/api/v1/healthcheck", description="Service health")


class HealthSchema(Schema):
    healthy = fields.Boolean(metadata={"example": True})
    database = fields.String(metadata={"example": "reachable"})


@blp.route("/ping")
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database cannot be reached")
def ping():
    """Health check: 200 when the database answers, 503 when it does not."""
    try:
        read_connection().exec_driver_sql("SELECT 1").scalar()  # read: no statement left open
    except Exception:  # any failure to reach the database means unhealthy
        return {"healthy": False, "database": "unreachable"}, 503
    return {"healthy": True, "database": "reachable"}
