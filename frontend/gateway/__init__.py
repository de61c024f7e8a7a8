"""The imperative shell: stdio relay, LLBBridge client, environment and error statuses.

Import the submodules directly (``frontend.gateway.bridge`` and so on); this
package imports nothing, so a pure module never pulls in grpcio by accident.

The top layer: its modules may import every other package, ``frontend.pb`` too.
"""
