"""LinkedIn's 3-legged OAuth (learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow).

Access tokens live 60 days. Programmatic refresh tokens (one year) are granted only to approved
Marketing/Community Management partners: when the answer holds one, Jasette refreshes; when it
does not, the owners are warned seven days before the token dies. LinkedIn does not take PKCE
for confidential web apps. The organisations the member administers come from
`organizationAcls?q=roleAssignee` (Community Management API, versioned REST).
"""

from __future__ import annotations

import aiohttp

from collector.base import AuthFailed, FetchFailed
from collector.oauth import Choice, OAuthApp, Provider, Tokens, rooted
from collector.wire import as_dict, as_list, request

VERSION = "202609"
_ORG = "urn:li:organization:"


class LinkedInProvider(Provider):
    """LinkedIn Pages (organisations) the signed-in member administers."""

    platform = "linkedin"
    authorize_url = "https://www.linkedin.com/oauth/v2/authorization"
    token_url = "https://www.linkedin.com/oauth/v2/accessToken"
    scopes = ("r_organization_social", "w_organization_social", "rw_organization_admin")
    required_scopes = ("r_organization_social", "rw_organization_admin")
    pkce = False
    setup_hint = ("In the LinkedIn developer portal: an app verified by the company Page, the Community Management API "
                  "product approved, and the redirect URL below under Auth.")
    api_base = "https://api.linkedin.com"

    async def _get(self, session: aiohttp.ClientSession, url: str, tokens: Tokens, params: dict[str, str] | None = None) -> object:
        resp = await request(session, "GET", url, params=params, headers={
            "Authorization": f"Bearer {tokens.access_token}", "LinkedIn-Version": VERSION, "X-Restli-Protocol-Version": "2.0.0",
        })
        if resp.status in (401, 403):
            raise AuthFailed(f"LinkedIn refused the listing: HTTP {resp.status} {str(as_dict(resp.body).get('message', ''))[:200]}")
        if resp.status >= 400 or resp.unreadable is not None:
            raise FetchFailed(f"{resp.request}: HTTP {resp.status}")
        return resp.body

    async def discover(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> list[Choice]:
        """Organisations where the member is an approved administrator."""
        acls = await self._get(session, rooted(self.api_base + "/rest/organizationAcls", app), tokens,
                               {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"})
        choices = []
        for element in as_list(as_dict(acls).get("elements"))[:100]:
            urn = str(as_dict(element).get("organization") or "")
            if not urn.startswith(_ORG):
                continue
            org_id = urn[len(_ORG):]
            if not org_id.isdigit():
                continue
            org = as_dict(await self._get(session, rooted(f"{self.api_base}/rest/organizations/{org_id}", app), tokens))
            name = str(org.get("localizedName") or urn)
            choices.append(Choice(external_id=urn, name=name[:120], credentials={}, settings={"version": VERSION},
                                  base_url=self.api_root(app)))
        return choices


LINKEDIN = LinkedInProvider()
