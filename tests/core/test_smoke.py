def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Log in" in response.data


def test_cso_logs_in_and_sees_today(client, users, login):
    cso = users.cso()
    login(cso)
    response = client.get("/today")
    assert response.status_code == 200
    assert cso.display_name.encode() in response.data
