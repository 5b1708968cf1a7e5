"""A carrier simulator that speaks Twilio's protocol (see `simulator.py`), in layers:
`models` (the pieces), `core` (state and time), `callbacks` (calling the service back),
`calls` (a call's life), `simulator` (Twilio's REST API and /sim). The command is
`dialer sim-carrier` (`dialer.cli.carrier`)."""

from dialer.telephony.carrier_sim.models import (
    API_VERSION,
    CALLBACK_RETRY_SECONDS,
    ConferenceLeg,
    ConferenceRooms,
    FaultPlan,
    SentCallback,
    SimCall,
    SimulatorError,
    twilio_signature,
)
from dialer.telephony.carrier_sim.simulator import CarrierSimulator

__all__ = [
    "API_VERSION",
    "CALLBACK_RETRY_SECONDS",
    "CarrierSimulator",
    "ConferenceLeg",
    "ConferenceRooms",
    "FaultPlan",
    "SentCallback",
    "SimCall",
    "SimulatorError",
    "twilio_signature",
]
